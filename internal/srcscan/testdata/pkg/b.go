package pkg

import (
	"fmt"
	"io"
)

func Greet(name string) string {
	return fmt.Sprintf("Hello, %s", name)
}

// Print writes to w: a literal assigned here is printed.
func Print(w io.Writer) {
	s := "printed"
	fmt.Fprintln(w, s)
}
