// Package migrations holds the SQL migrations, embedded into the binary: the
// public set (shared tables) and the tenant set (one clinic's schema).
//
// Files are named NNNN_description.sql and numbered from 1 without gaps. Tenant
// migrations use unqualified names: they run with search_path set to the
// tenant's schema.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
)

//go:embed public/*.sql tenant/*.sql
var files embed.FS

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Statements is the migration cut into its statements (Split), in order:
// the runner sends them one at a time.
func (m Migration) Statements() ([]string, error) {
	stmts, err := Split(m.SQL)
	if err != nil {
		return nil, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	return stmts, nil
}

// Public returns the migrations of the public schema, in order.
func Public() []Migration { return mustLoad("public") }

// Tenant returns the migrations of a tenant schema, in order.
func Tenant() []Migration { return mustLoad("tenant") }

var namePattern = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

func mustLoad(dir string) []Migration {
	ms, err := load(files, dir)
	if err != nil {
		// The files are embedded at build time; a bad name is a build defect
		// that the package's tests catch.
		panic(err)
	}
	return ms
}

func load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations %s: %w", dir, err)
	}
	var ms []Migration
	for _, e := range entries {
		m := namePattern.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s/%s: name must look like 0001_description.sql", dir, e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		mig := Migration{Version: v, Name: e.Name(), SQL: string(b)}
		// A file the runner could not cut into statements fails here, at
		// load time, not halfway through a migration.
		if _, err := mig.Statements(); err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		ms = append(ms, mig)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations %s: expected version %d, found %s", dir, i+1, m.Name)
		}
	}
	return ms, nil
}
