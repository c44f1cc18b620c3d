package server

import (
	"path"
	"strconv"
	"strings"
	"testing"
)

// FuzzParsePath: whatever path a client sends, the tree either refuses it
// or reads it as one canonical place inside /patients: a positive patient
// id written canonically, a known kind, a name without a slash, and the
// node written back is the cleaned path itself (one file, one path; no
// "..", no second spelling of an id).
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"/", "/patients", "/patients/42", "/patients/42/lab/hemograma.pdf",
		"/patients/../../etc/passwd", "/patients/042/lab/x", "/patients/+42/lab/x", "/patients/42/secret/x",
		"patients/42/consent/a b.pdf", "/patients/42/lab/x/y", "//patients//42//lab//x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		n, err := parsePath(p)
		if err != nil {
			return
		}
		clean := path.Clean("/" + p)
		parts := []string{""}
		if n.depth >= 1 {
			parts = append(parts, "patients")
		}
		if n.depth >= 2 {
			if n.patient <= 0 {
				t.Fatalf("%q: patient %d", p, n.patient)
			}
			parts = append(parts, strconv.FormatInt(n.patient, 10))
		}
		if n.depth >= 3 {
			if !n.kind.Valid() {
				t.Fatalf("%q: kind %q", p, n.kind)
			}
			parts = append(parts, string(n.kind))
		}
		if n.depth == 4 {
			if n.name == "" || n.name == "." || n.name == ".." || strings.Contains(n.name, "/") {
				t.Fatalf("%q: name %q", p, n.name)
			}
			parts = append(parts, n.name)
		}
		back := strings.Join(parts, "/")
		if n.depth == 0 {
			back = "/"
		}
		if back != clean {
			t.Fatalf("%q read as %q, cleaned %q", p, back, clean)
		}
	})
}
