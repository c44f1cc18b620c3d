package kit

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// TestTableFitsAndScrolls: at every width the table's lines fit; the
// columns with the highest Priority go first; the cursor's row stays in
// view; Empty shows without rows.
func TestTableFitsAndScrolls(t *testing.T) {
	for _, marker := range []bool{false, true} {
		tb := Table{Marker: marker, Empty: "nada", Cols: []Column{
			{Title: "Nombre", Width: 0}, {Title: "Código", Width: 12, Priority: 2},
			{Title: "Monto", Width: 10, Right: true}, {Title: "Nota", Width: 20, Priority: 1},
		}}
		if v := ansi.Strip(tb.View(ASCIIStyles(), 80, 10)); !strings.Contains(v, "nada") {
			t.Errorf("marker=%v: no empty text:\n%s", marker, v)
		}
		rows := make([][]string, 30)
		for i := range rows {
			rows[i] = []string{fmt.Sprintf("Paciente número %d con un nombre muy largo", i), "ABC-123456789", "S/ 80.00", "una nota larga de verdad"}
		}
		tb.SetRows(rows)
		for w := 20; w <= 120; w++ {
			for _, l := range strings.Split(tb.View(SharedStyles(true), w, 10), "\n") {
				if ansi.StringWidth(l) > w {
					t.Fatalf("marker=%v w=%d: line of %d cells: %q", marker, w, ansi.StringWidth(l), ansi.Strip(l))
				}
			}
		}
		head := strings.Split(ansi.Strip(tb.View(SharedStyles(true), 50, 10)), "\n")[0]
		if strings.Contains(head, "Código") || !strings.Contains(head, "Monto") {
			t.Errorf("marker=%v: at 50 columns the highest priority should go first: %q", marker, head)
		}
		tb.Move("end")
		if v := ansi.Strip(tb.View(SharedStyles(true), 80, 10)); !strings.Contains(v, "número 29") || strings.Contains(v, "número 0 ") {
			t.Errorf("marker=%v: end does not scroll to the last row:\n%s", marker, v)
		}
		tb.Move("pgup")
		if want := 29 - (10 - tb.headLines()); tb.Cursor != want {
			t.Errorf("marker=%v: pgup moved to %d, want %d (a page)", marker, tb.Cursor, want)
		}
	}
}

// TestHelpLineFits: however many keys, the help line fits the width and
// ends with the help and quit keys.
func TestHelpLineFits(t *testing.T) {
	var keys []key.Binding
	for i := range 30 {
		keys = append(keys, KeyShown(fmt.Sprintf("k%d", i), strings.Repeat("x", i%7+1), fmt.Sprint(i)))
	}
	tail := []key.Binding{Key("ayuda", "?"), Key("salir", "q")}
	h := help.New()
	for _, st := range []*Styles{SharedStyles(true), ASCIIStyles()} {
		for w := 20; w <= 200; w++ {
			for n := 0; n <= len(keys); n++ {
				l := HelpLine(st, &h, keys[:n], tail, w)
				if ansi.StringWidth(l) > w {
					t.Fatalf("w=%d n=%d: %d cells: %q", w, n, ansi.StringWidth(l), ansi.Strip(l))
				}
				if !strings.HasSuffix(ansi.Strip(l), "? ayuda • q salir") {
					t.Fatalf("w=%d n=%d: the tail is missing: %q", w, n, ansi.Strip(l))
				}
			}
		}
	}
}
