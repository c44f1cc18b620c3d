package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Info describes where a cluster is and what it holds.
type Info struct {
	DataDir     string // the installation's data directory
	Link        string // DATA/pg: PGDATA, or a symlink to it
	Dir         string // PGDATA, where the cluster really is
	Elsewhere   bool   // Dir is not under the data directory (Link is a symlink)
	Initialised bool   // PG_VERSION exists
	Running     bool
	PID         int
	SizeBytes   int64 // of every file under Dir
}

// Info reports the cluster's location, state and size on disk.
func (c *Cluster) Info() (Info, error) {
	in := Info{DataDir: c.dataDir, Link: c.link, Dir: c.pgDir, Elsewhere: c.pgDir != c.link}
	if _, err := os.Stat(filepath.Join(c.pgDir, "PG_VERSION")); err == nil {
		in.Initialised = true
	}
	in.Running, in.PID = c.running()
	err := filepath.WalkDir(c.pgDir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			// Files come and go while the server runs (temporary files, WAL
			// being recycled): what cannot be read is not counted.
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				in.SizeBytes += fi.Size()
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return in, fmt.Errorf("measure %s: %w", c.pgDir, err)
	}
	return in, nil
}

// Destroy stops the cluster and removes it: PGDATA wherever it lives, the
// symlink to it and the socket directory. Other files of the data directory
// (host key, configuration) stay.
func (c *Cluster) Destroy(ctx context.Context) error {
	if _, err := os.Stat(c.dataDir); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(c.pgDir); errors.Is(err, os.ErrNotExist) {
			return nil // nothing was ever made
		}
	}
	if err := os.MkdirAll(c.dataDir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if err := c.Stop(ctx); err != nil {
		return err
	}
	unlock, err := lockFile(filepath.Join(c.dataDir, "pg.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if running, pid := c.running(); running {
		return fmt.Errorf("PostgreSQL (pid %d) still runs in %s", pid, c.pgDir)
	}
	// Never remove a directory that does not look like a cluster: the link
	// might have been pointed somewhere else by hand.
	if entries, err := os.ReadDir(c.pgDir); err == nil && len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(c.pgDir, "PG_VERSION")); err != nil {
			return fmt.Errorf("%s is not a PostgreSQL cluster (no PG_VERSION): not removing it", c.pgDir)
		}
	}
	if err := os.RemoveAll(c.pgDir); err != nil {
		return fmt.Errorf("remove cluster: %w", err)
	}
	if c.pgDir != c.link {
		if err := os.Remove(c.link); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove link to the cluster: %w", err)
		}
		// /var/lib/consultorio/<hash> (the root stays: other installations
		// may be making their directory in it right now).
		if strings.HasPrefix(c.pgDir, ElsewhereRoot+"/") {
			_ = os.Remove(filepath.Dir(c.pgDir))
		}
	}
	if c.sockDir != c.pgDir {
		_ = os.RemoveAll(c.sockDir)
	}
	return nil
}

// archiveCommand copies a finished WAL segment into dir, never over an
// existing file, and atomically (a reader never sees half a segment).
const archiveCommand = `test ! -f '%[1]s/%%f' && cp '%%p' '%[1]s/%%f.part' && mv '%[1]s/%%f.part' '%[1]s/%%f'`

var archiveDirPattern = regexp.MustCompile(`^test ! -f '([^']+)/%f' && cp `)

// SetWALArchive turns continuous WAL archiving into dir on (dir == "": off).
// The setting is kept in the cluster (ALTER SYSTEM), so later starts keep
// it; the server is restarted when archive_mode changes, which only a
// restart applies. dir is created and given to the postgres user.
func (c *Cluster) SetWALArchive(ctx context.Context, dir string) error {
	if err := c.Start(ctx); err != nil {
		return err
	}
	var stmts []string
	if dir == "" {
		stmts = []string{"ALTER SYSTEM SET archive_mode = 'off'", "ALTER SYSTEM RESET archive_command"}
	} else {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return fmt.Errorf("WAL archive %q: %w", dir, err)
		}
		if strings.ContainsAny(abs, "'%\n") {
			return fmt.Errorf("WAL archive %q: the path may not contain ', %% or a newline", dir)
		}
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return fmt.Errorf("create WAL archive: %w", err)
		}
		if err := c.chown(abs); err != nil {
			return err
		}
		if c.runAs != nil && !reachableByOthers(filepath.Dir(abs)) {
			return fmt.Errorf("WAL archive %s: the postgres user cannot reach it (a parent directory is closed to others)", abs)
		}
		dir = abs
		stmts = []string{"ALTER SYSTEM SET archive_mode = 'on'",
			fmt.Sprintf("ALTER SYSTEM SET archive_command = '%s'", strings.ReplaceAll(fmt.Sprintf(archiveCommand, abs), "'", "''"))}
	}
	before, err := c.setting(ctx, "archive_mode")
	if err != nil {
		return err
	}
	args := []string{"-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", c.urlFor("postgres")}
	for _, s := range append(stmts, "SELECT pg_reload_conf()") {
		args = append(args, "-c", s)
	}
	if out, err := c.run(ctx, "psql", args...); err != nil {
		return fmt.Errorf("set WAL archiving: %w\n%s", err, out)
	}
	if want := map[bool]string{true: "off", false: "on"}[dir == ""]; before != want {
		if err := c.Restart(ctx); err != nil {
			return err
		}
	}
	return nil
}

// WALArchive is the directory WAL is archived into, "" when archiving is off.
func (c *Cluster) WALArchive(ctx context.Context) (string, error) {
	mode, err := c.setting(ctx, "archive_mode")
	if err != nil || mode == "off" {
		return "", err
	}
	cmd, err := c.setting(ctx, "archive_command")
	if err != nil {
		return "", err
	}
	m := archiveDirPattern.FindStringSubmatch(cmd)
	if m == nil {
		return "", nil
	}
	return m[1], nil
}

func (c *Cluster) setting(ctx context.Context, name string) (string, error) {
	out, err := c.run(ctx, "psql", "-X", "-q", "-t", "-A", "-d", c.urlFor("postgres"), "-c",
		fmt.Sprintf("select current_setting('%s')", name))
	if err != nil {
		return "", fmt.Errorf("read %s: %w\n%s", name, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// Restart stops and starts the server (for settings only a restart applies).
func (c *Cluster) Restart(ctx context.Context) error {
	if err := c.Stop(ctx); err != nil {
		return err
	}
	return c.Start(ctx)
}

// BaseBackup copies the running cluster into dest (a new directory) with
// pg_basebackup: online and consistent, with the WAL needed to make it so
// streamed alongside, and a backup_manifest that pg_verifybackup checks.
func (c *Cluster) BaseBackup(ctx context.Context, dest, label string) error {
	if err := c.Start(ctx); err != nil {
		return err
	}
	return BaseBackup(ctx, c.urlFor(DBName), dest, label)
}

// BaseBackup takes a base backup of the server at url into dest, then
// verifies it. The caller runs it as itself, not as the postgres user: dest
// belongs to the caller.
func BaseBackup(ctx context.Context, url, dest, label string) error {
	bin, err := findBinDir()
	if err != nil {
		return err
	}
	cmd := clientCmd(ctx, bin, "pg_basebackup", "-d", url, "-D", dest, "-F", "p", "-X", "stream",
		"-c", "fast", "-l", label, "--no-password")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_basebackup: %w: %s", err, strings.TrimSpace(string(out)))
	}
	cmd = clientCmd(ctx, bin, "pg_verifybackup", "-q", dest)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_verifybackup: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Recovery says how far a restored cluster replays archived WAL.
type Recovery struct {
	WALArchive string    // where archived WAL is read from
	Target     time.Time // replay transactions committed up to this instant (inclusive)
}

// RestoreFrom makes this (not yet existing) cluster a copy of the base
// backup in src, replays archived WAL up to rec.Target when set, and starts
// it. WAL archiving is off in the copy: two clusters must never archive into
// one directory.
func (c *Cluster) RestoreFrom(ctx context.Context, src string, rec Recovery) error {
	unlock, err := lockFile(filepath.Join(c.dataDir, "pg.lock"))
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.pgDir, "PG_VERSION")); err == nil {
		unlock()
		return fmt.Errorf("%s already holds a cluster: not restoring over it", c.pgDir)
	}
	if err := c.prepareDir(); err != nil {
		unlock()
		return err
	}
	if err := copyTree(src, c.pgDir, notRestored, c.chown); err != nil {
		unlock()
		return fmt.Errorf("copy the backup into %s: %w", c.pgDir, err)
	}
	auto := []string{"archive_mode = 'off'"}
	if !rec.Target.IsZero() {
		auto = append(auto,
			fmt.Sprintf("restore_command = 'cp ''%s/%%f'' ''%%p'''", rec.WALArchive),
			fmt.Sprintf("recovery_target_time = '%s'", rec.Target.UTC().Format("2006-01-02 15:04:05.999999-07:00")),
			"recovery_target_inclusive = on",
			"recovery_target_action = 'promote'")
		if err := c.writeOwned(filepath.Join(c.pgDir, "recovery.signal"), ""); err != nil {
			unlock()
			return err
		}
	}
	if err := c.appendAutoConf(auto); err != nil {
		unlock()
		return err
	}
	unlock()
	if err := c.Start(ctx); err != nil {
		return err
	}
	if rec.Target.IsZero() {
		return nil
	}
	// The server accepts read-only connections while it replays; it is the
	// installation's again only once promoted.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		out, err := c.run(ctx, "psql", "-X", "-q", "-t", "-A", "-d", c.urlFor("postgres"), "-c", "select pg_is_in_recovery()")
		if err == nil && strings.TrimSpace(string(out)) == "f" {
			break
		}
		if running, _ := c.running(); !running {
			return fmt.Errorf("recovery failed:\n%s", tail(filepath.Join(c.pgDir, "server.log"), 10))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("recovery did not finish in 5 minutes:\n%s", tail(filepath.Join(c.pgDir, "server.log"), 10))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	out, err := c.run(ctx, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", c.urlFor("postgres"),
		"-c", "ALTER SYSTEM RESET restore_command", "-c", "ALTER SYSTEM RESET recovery_target_time",
		"-c", "ALTER SYSTEM RESET recovery_target_inclusive", "-c", "ALTER SYSTEM RESET recovery_target_action",
		"-c", "SELECT pg_reload_conf()")
	if err != nil {
		return fmt.Errorf("clear recovery settings: %w\n%s", err, out)
	}
	return nil
}

// appendAutoConf adds settings to postgresql.auto.conf; later lines win.
func (c *Cluster) appendAutoConf(lines []string) error {
	p := filepath.Join(c.pgDir, "postgresql.auto.conf")
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("configure restored cluster: %w", err)
	}
	_, err = f.WriteString("# set by consultorio restore\n" + strings.Join(lines, "\n") + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("configure restored cluster: %w", err)
	}
	return c.chown(p)
}

func (c *Cluster) writeOwned(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return c.chown(path)
}

// notRestored tells which files of a base backup belong to the server that
// was copied, not to its data: its socket lock, pid files and log.
func notRestored(rel string) bool {
	base := filepath.Base(rel)
	return filepath.Dir(rel) == "." && (strings.HasPrefix(base, ".s.PGSQL.") ||
		base == "postmaster.pid" || base == "postmaster.opts" || base == "server.log")
}

// copyTree copies the directory src into the existing directory dst,
// calling own on everything it makes and leaving out what skip names.
// Symlinks are refused: a backup made by pg_basebackup in plain format has
// none without tablespaces.
func copyTree(src, dst string, skip func(rel string) bool, own func(string) error) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case rel == ".", skip(rel):
			return nil
		case d.IsDir():
			if err := os.Mkdir(target, 0o700); err != nil {
				return err
			}
			return own(target)
		case d.Type().IsRegular():
			if err := copyFile(path, target); err != nil {
				return err
			}
			return own(target)
		default:
			return fmt.Errorf("%s: not a regular file or directory", rel)
		}
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := out.ReadFrom(in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
