package migrations

import (
	"regexp"
	"testing"
)

// Forms a Citus coordinator refuses on a distributed table (every clinic's
// schema is one there), found by `make test-scale`: a column added with a
// constraint in the same command, and SET STORAGE. The tenant set must
// avoid them (add the constraint in its own ALTER TABLE … ADD CONSTRAINT,
// named as PostgreSQL would name the inline one; SET STORAGE only inside a
// DO block that skips it when the citus extension is there), or every
// clinic of a Citus installation fails to migrate.
var citusRefuses = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`(?is)\bADD\s+COLUMN\b[^,]*?\b(CHECK|REFERENCES|UNIQUE|PRIMARY\s+KEY)\b`),
		"ADD COLUMN with a constraint in the same command (add the constraint with its own ALTER TABLE … ADD CONSTRAINT)"},
	{regexp.MustCompile(`(?is)\bSET\s+STORAGE\b`),
		"SET STORAGE outside a DO block that skips it under Citus"},
}

// doBlock is a DO statement, after any comment lines.
var doBlock = regexp.MustCompile(`(?is)^\s*(--[^\n]*\n\s*)*DO\b`)

func TestTenantMigrationsAvoidWhatCitusRefuses(t *testing.T) {
	for _, m := range Tenant() {
		stmts, err := m.Statements()
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		for _, s := range stmts {
			if doBlock.MatchString(s) {
				continue // guarded by its own check of the citus extension
			}
			for _, r := range citusRefuses {
				if loc := r.re.FindStringIndex(s); loc != nil {
					t.Errorf("%s: %s: %q", m.Name, r.why, s[loc[0]:loc[1]])
				}
			}
		}
	}
}

// The check itself: it catches the forms 0005 and 0006 had before they
// were rewritten.
func TestCitusCheckCatchesTheRefusedForms(t *testing.T) {
	for _, s := range []string{
		"ALTER TABLE settings\n    ADD COLUMN reminder_hours integer NOT NULL DEFAULT 24 CHECK (reminder_hours BETWEEN 1 AND 168)",
		"ALTER TABLE patients ADD COLUMN mail_lang text CHECK (mail_lang IN ('es', 'en'))",
		"ALTER TABLE x ADD COLUMN y bigint REFERENCES z(id)",
		"ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL",
	} {
		caught := false
		for _, r := range citusRefuses {
			caught = caught || r.re.MatchString(s)
		}
		if !caught {
			t.Errorf("not caught: %q", s)
		}
	}
	for _, s := range []string{
		"ALTER TABLE settings ADD COLUMN a int NOT NULL DEFAULT 1, ADD COLUMN b text",
		"ALTER TABLE settings ADD CONSTRAINT settings_a_check CHECK (a > 0)",
	} {
		for _, r := range citusRefuses {
			if r.re.MatchString(s) {
				t.Errorf("caught, but Citus accepts it: %q", s)
			}
		}
	}
}
