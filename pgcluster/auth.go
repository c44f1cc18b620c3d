package pgcluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
)

// Client authentication of the private cluster (docs/SECURITY.md "Database
// privileges"). The cluster has no TCP listener, only a Unix socket that
// only its OS account (and root) can open. On it:
//
//   - the owner (Superuser) authenticates by peer (also for replication
//     connections: pg_basebackup in consultorio backup): the connecting process
//     must run as an OS account in the "owner" map (the account that runs
//     consultorio, and the postgres account PostgreSQL's own programs run
//     as when we are root). It is used for migrations, provisioning and
//     `consultorio db psql`, never for a clinic's work;
//   - every other role (the runtime role, one role per clinic) needs its
//     SCRAM-SHA-256 password: a clinic's connection proves it is that
//     clinic, and no role is let in on trust.
//
// The files are rewritten on every Start, so clusters made before this rule
// (initdb --auth=trust) get it too.

// hbaConf is pg_hba.conf.
func hbaConf() []byte {
	return []byte(`# Written by consultorio on every start; edits are overwritten.
# TYPE  DATABASE  USER         METHOD
local   all       ` + Superuser + `  peer map=owner
local   replication ` + Superuser + ` peer map=owner
local   all       all          scram-sha-256
`)
}

// identConf is pg_ident.conf: the OS accounts that may be the owner.
func (c *Cluster) identConf() ([]byte, error) {
	var names []string
	u, err := user.Current()
	if err != nil {
		return nil, fmt.Errorf("who runs consultorio: %w", err)
	}
	names = append(names, u.Username)
	if c.runAs != nil {
		if pg, err := user.LookupId(fmt.Sprint(c.runAs.Uid)); err == nil && pg.Username != u.Username {
			names = append(names, pg.Username)
		}
	}
	var b bytes.Buffer
	b.WriteString("# Written by consultorio on every start; edits are overwritten.\n# MAPNAME  SYSTEM-USERNAME  PG-USERNAME\n")
	for _, n := range names {
		fmt.Fprintf(&b, "owner  %s  %s\n", n, Superuser)
	}
	return b.Bytes(), nil
}

// writeAuth writes pg_hba.conf and pg_ident.conf when they differ from what
// they must be, and says whether it changed anything.
func (c *Cluster) writeAuth() (bool, error) {
	ident, err := c.identConf()
	if err != nil {
		return false, err
	}
	changed := false
	for name, want := range map[string][]byte{"pg_hba.conf": hbaConf(), "pg_ident.conf": ident} {
		path := filepath.Join(c.pgDir, name)
		if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, want) {
			continue
		}
		if err := os.WriteFile(path+".tmp", want, 0o600); err != nil {
			return false, fmt.Errorf("write %s: %w", name, err)
		}
		if err := c.chown(path + ".tmp"); err != nil {
			return false, err
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			return false, fmt.Errorf("write %s: %w", name, err)
		}
		changed = true
	}
	return changed, nil
}

// Program is the path of one of the cluster's PostgreSQL programs (psql,
// pg_dump…), from the binaries the cluster runs with.
func (c *Cluster) Program(name string) string { return filepath.Join(c.binDir, name) }

// reload makes a running server read its configuration files again.
func (c *Cluster) reload(ctx context.Context) error {
	if out, err := c.run(ctx, "pg_ctl", "reload", "-D", c.pgDir); err != nil {
		return fmt.Errorf("reload PostgreSQL: %w\n%s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
