package helptext

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

func TestWalk(t *testing.T) {
	root := &cobra.Command{Use: "app", Short: "The app"}
	sub := &cobra.Command{Use: "sub", Long: "Does sub things", Run: func(*cobra.Command, []string) {}}
	sub.Flags().String("color", "", "the colour")
	root.AddCommand(sub)
	root.InitDefaultHelpFlag()
	sub.InitDefaultHelpFlag()

	texts, n, noShort := Walk(root)
	if n != 2 {
		t.Errorf("walked %d commands, want 2", n)
	}
	if !slices.Equal(noShort, []string{"app sub"}) {
		t.Errorf("no Short: %q, want [app sub]", noShort)
	}
	want := []Text{{"app", "The app"}, {"app (Long)", ""}, {"app sub", ""}, {"app sub (Long)", "Does sub things"},
		{"app sub --color", "the colour"}}
	if !slices.Equal(texts, want) {
		t.Errorf("texts\n%q\nwant\n%q", texts, want)
	}
}
