package store

import (
	"strings"
)

// The SSH user name picks the clinic (PRODUCT.md §3): a schema name, a
// domain or a domain's first label. The server's own host name must not be
// one of them: with the service at consultorio.example.com, a clinic named
// "consultorio" or "example", or holding the domain example.com, would get
// the connections of everybody who types the host's own words as a user
// name (`ssh consultorio@consultorio.example.com`, a client configured with
// a default user) — its login form would collect other clinics' passwords.
// So the host name, its parent domains and each of its labels are reserved:
// no clinic is created with them, and they never resolve to a clinic that
// took one before the host name was configured.

// hostNames is what the configured host name reserves.
type hostNames struct {
	labels  map[string]bool // "consultorio", "example", "com"
	domains map[string]bool // "consultorio.example.com", "example.com", "com"
}

// parseHostNames splits a host name ("consultorio.example.com", any case,
// a trailing dot allowed) into what it reserves. An empty name reserves
// nothing; an IP address reserves nothing either (it is not a name).
func parseHostNames(host string) hostNames {
	h := hostNames{labels: map[string]bool{}, domains: map[string]bool{}}
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	if host == "" || !domainPattern.MatchString(host) || isNumericHost(host) {
		return h
	}
	labels := strings.Split(host, ".")
	for i, l := range labels {
		h.labels[l] = true
		h.domains[strings.Join(labels[i:], ".")] = true
	}
	return h
}

// isNumericHost tells an IPv4 address from a name: only digits and dots.
func isNumericHost(s string) bool {
	return strings.Trim(s, "0123456789.") == ""
}

// sshName normalises a connection's user name for resolution: ASCII only,
// lowercase, and not a word of the host's own name. Every schema name and
// domain is ASCII (schemaPattern, domainPattern), so refusing anything else
// before the query loses nothing and keeps PostgreSQL's Unicode case folding
// (citext) from matching what Go did not compare.
func (h hostNames) sshName(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 253 {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 0x80 || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return "", false
		}
	}
	name = strings.ToLower(name)
	if h.reserved(name) {
		return "", false
	}
	return name, true
}

// reserved tells whether a lowercase schema name, domain or label is the
// host's: one of its labels, the host name or a parent domain of it.
func (h hostNames) reserved(name string) bool {
	return h.labels[name] || h.domains[name]
}

// checkDomain refuses a clinic domain that is the host's (or a parent of
// it), or whose first label — an SSH name of the clinic — is a host label.
func (h hostNames) checkDomain(d string) error {
	first, _, _ := strings.Cut(d, ".")
	if h.domains[d] || h.labels[first] {
		return invalid("domain", ReasonHostName, d)
	}
	return nil
}

// checkSchema refuses a schema name that is a label of the host name.
func (h hostNames) checkSchema(s string) error {
	if h.reserved(s) {
		return invalid("schema", ReasonHostName, s)
	}
	return nil
}
