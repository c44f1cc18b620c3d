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

// numbered is n one-cell rows "fila 0" … "fila n-1".
func numbered(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("fila %d", i)}
	}
	return rows
}

// TestTableJump: with Jump, g and G go to the first and the last row (the
// sessions, payments and expenses lists had them); without it they are
// left to the screen (the billing list's g generates invoices).
func TestTableJump(t *testing.T) {
	tb := Table{Cols: []Column{{Title: "Fila"}}, Jump: true}
	tb.SetRows(numbered(30))
	if !tb.Move("G") || tb.Cursor != 29 {
		t.Fatalf("G: cursor %d, want 29", tb.Cursor)
	}
	if !tb.Move("g") || tb.Cursor != 0 {
		t.Fatalf("g: cursor %d, want 0", tb.Cursor)
	}
	tb.Jump = false
	if tb.Move("G") || tb.Move("g") || tb.Cursor != 0 {
		t.Fatalf("without Jump g/G moved (cursor %d)", tb.Cursor)
	}
}

// TestTableReadOnlyScrolls: a list only to read (Cursor -1: the documents
// on screen) keeps no cursor; the moving keys scroll its window, by a row,
// a page, or to either end, and never past the last page.
func TestTableReadOnlyScrolls(t *testing.T) {
	tb := Table{Cols: []Column{{Title: "Fila"}}, Cursor: -1}
	tb.SetRows(numbered(30))
	view := func() string { return ansi.Strip(tb.View(ASCIIStyles(), 40, 10)) } // 8 rows under the header
	if v := view(); !strings.Contains(v, "fila 0") || strings.Contains(v, "›") {
		t.Fatalf("first page:\n%s", v)
	}
	steps := []struct {
		key    string
		offset int
	}{{"down", 1}, {"j", 1}, {"pgdown", 9}, {"end", 22}, {"down", 22}, {"pgup", 14}, {"up", 13}, {"home", 0}, {"up", 0}}
	for _, s := range steps {
		moved := tb.Move(s.key)
		if s.key == "j" {
			if moved {
				t.Fatal("j moved a table without Vim")
			}
		} else if !moved {
			t.Fatalf("%s: not a moving key", s.key)
		}
		v := view()
		if tb.Cursor != -1 || tb.Offset != s.offset {
			t.Fatalf("%s: cursor %d offset %d, want -1 and %d", s.key, tb.Cursor, tb.Offset, s.offset)
		}
		first := strings.TrimSpace(strings.Split(v, "\n")[2])
		if want := fmt.Sprintf("fila %d", s.offset); first != want || strings.Contains(v, "›") {
			t.Fatalf("%s: want %q first, no selection:\n%s", s.key, want, v)
		}
	}
}

// TestTableFlexMin: a flexible column's Min keeps a column with a Priority
// out until the flexible one has that much room (the sessions list shows
// the room only from 100 columns: the patient's name matters more).
func TestTableFlexMin(t *testing.T) {
	// 1 margin + 16+1 + 62+1 + 10+1 cells: the room from 92 columns;
	// without Min (16 for the patient) from 46.
	tb := Table{Cols: []Column{{Title: "Cuándo", Width: 16}, {Title: "Paciente", Min: 62}, {Title: "Sala", Width: 10, Priority: 1}}}
	tb.SetRows([][]string{{"01/12/2026 10:00", "Ana García", "Sala 1"}})
	for w, room := range map[int]bool{50: false, 80: false, 91: false, 92: true, 120: true} {
		v := ansi.Strip(tb.View(SharedStyles(true), w, 5))
		if strings.Contains(v, "Sala") != room {
			t.Errorf("w=%d: room column shown %v, want %v:\n%s", w, !room, room, v)
		}
	}
}

// TestTableSelectionWithoutColour: the selected row of a list with a rule
// is reverse video; in ASCII mode, for a line without reverse video
// either, it also has "›" in its margin (the other rows a space). The
// colour sheets keep the margin empty.
func TestTableSelectionWithoutColour(t *testing.T) {
	tb := Table{Cols: []Column{{Title: "Fila"}}, Cursor: 1}
	tb.SetRows(numbered(3))
	lines := strings.Split(ansi.Strip(tb.View(ASCIIStyles(), 30, 10)), "\n")[2:]
	for i, l := range lines {
		if want := i == 1; strings.HasPrefix(l, "›fila") != want || strings.HasPrefix(l, " fila") == want {
			t.Errorf("ASCII row %d: %q (selected: %v)", i, l, want)
		}
	}
	if v := ansi.Strip(tb.View(SharedStyles(true), 30, 10)); strings.Contains(v, "›") {
		t.Errorf("the colour sheet has a margin marker:\n%s", v)
	}
	if sel := strings.Split(tb.View(ASCIIStyles(), 30, 10), "\n")[3]; !strings.Contains(sel, "\x1b[") {
		t.Errorf("the selected row has no reverse video: %q", sel)
	}
}
