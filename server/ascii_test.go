package server

import "testing"

// TestTermWantsASCII: the terminal types that cannot draw colour or
// Unicode chrome get ASCII mode; the others do not.
func TestTermWantsASCII(t *testing.T) {
	t.Parallel()
	for term, want := range map[string]bool{
		"vt100": true, "vt102": true, "VT220": true, "dumb": true, "linux": true, " vt100 ": true,
		"xterm-256color": false, "screen": false, "": false, "vt100x": false,
	} {
		if got := TermWantsASCII(term); got != want {
			t.Errorf("TermWantsASCII(%q) = %v, want %v", term, got, want)
		}
	}
}
