package server

import (
	"go/ast"
	"testing"

	"consultorio/internal/srcscan"
)

// TestNoEnvironmentReadsBelowCmd: configuration is read in cmd/ and passed
// down; the server, the screens, the store and the mail sender never look
// at the process environment (the panel's connect line once showed a port
// read from it in three places). A static check: it sees every read, where
// a test setting a variable sees only the paths it drives.
func TestNoEnvironmentReadsBelowCmd(t *testing.T) {
	t.Parallel()
	pkg, err := srcscan.Parse("*.go", "cmd/*.go",
		"../tui/*.go", "../tui/clinic/*.go", "../tui/i18n/*.go", "../tui/kit/*.go", "../tui/login/*.go",
		"../tui/panel/*.go", "../tui/sanitize/*.go", "../tui/sshline/*.go",
		"../store/*.go", "../store/clinicpool/*.go", "../mail/*.go", "../printout/*.go")
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]bool{"Getenv": true, "LookupEnv": true, "Environ": true, "ExpandEnv": true}
	n := 0
	pkg.Inspect(func(node ast.Node) bool {
		sel, ok := node.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); ok && (x.Name == "os" || x.Name == "syscall") && reads[sel.Sel.Name] {
			t.Errorf("%s: %s.%s: configuration comes from cmd/, passed in", pkg.Where(sel.Pos()), x.Name, sel.Sel.Name)
		}
		n++
		return true
	})
	if len(pkg.Files) < 100 || n == 0 {
		t.Fatalf("scanned %d files: the globs miss the packages", len(pkg.Files))
	}
}
