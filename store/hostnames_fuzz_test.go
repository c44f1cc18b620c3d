package store

import (
	"strings"
	"testing"
)

// FuzzSSHName: for any host name and user name, a name the resolver lets
// through is plain ASCII in lowercase and matches no word of the host name
// in any case folding; each word of the host name, however it is written,
// is refused; and a schema name or domain that creation accepts is never
// one the resolver would refuse as the host's.
func FuzzSSHName(f *testing.F) {
	f.Add("consultorio.example.com", "consultorio")
	f.Add("consultorio.example.com", "EXAMPLE")
	f.Add("consultorio.example.com.", " example.com ")
	f.Add("consultorio.example.com", "\u212Aonsultorio") // Kelvin sign folds to k
	f.Add("ssh.clinicas.pe", "cm")
	f.Add("10.0.0.1", "10")
	f.Add("", "demo")
	f.Fuzz(func(t *testing.T, host, name string) {
		h := parseHostNames(host)
		got, ok := h.sshName(name)
		if ok {
			for i := 0; i < len(got); i++ {
				if c := got[i]; c >= 0x80 || (c >= 'A' && c <= 'Z') {
					t.Fatalf("sshName(%q) = %q: not lowercase ASCII", name, got)
				}
			}
			for w := range h.labels {
				if strings.EqualFold(got, w) || strings.EqualFold(strings.TrimSpace(name), w) {
					t.Fatalf("host %q: %q resolves although it is the host's label %q", host, name, w)
				}
			}
			for d := range h.domains {
				if strings.EqualFold(got, d) || strings.EqualFold(strings.TrimSpace(name), d) {
					t.Fatalf("host %q: %q resolves although it is the host's domain %q", host, name, d)
				}
			}
		}
		for w := range h.labels {
			for _, v := range []string{w, strings.ToUpper(w), " " + w + "\t"} {
				if _, ok := h.sshName(v); ok {
					t.Fatalf("host %q: its label written %q resolves", host, v)
				}
			}
		}
		// Creation and resolution agree: what creation accepts as a
		// schema or a domain resolves, so no clinic can be created that
		// nobody can reach, and none that takes a host word.
		n := strings.ToLower(strings.TrimSpace(name))
		if ValidateSchemaName(n) == nil && h.checkSchema(n) == nil {
			if _, ok := h.sshName(n); !ok {
				t.Fatalf("host %q: schema %q is created but never resolves", host, n)
			}
		}
		if d, err := normalizeDomain(name); err == nil && h.checkDomain(d) == nil {
			first, _, _ := strings.Cut(d, ".")
			for _, s := range []string{d, first} {
				if _, ok := h.sshName(s); !ok {
					t.Fatalf("host %q: domain %q is accepted but %q never resolves", host, d, s)
				}
			}
		}
	})
}
