// Package pgcluster runs the private PostgreSQL cluster that Consultorio uses
// when DATABASE_URL is empty: initdb on first use, a Unix socket and no TCP
// port, started on demand by any command and shared by concurrent commands.
//
// It uses the PostgreSQL binaries installed on the machine. When the caller is
// root, PostgreSQL runs as the "postgres" system user, because initdb and the
// server refuse to run as root.
package pgcluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Superuser is the superuser initdb creates in the private cluster; DBName the
// database the application uses.
const (
	Superuser = "consultorio"
	DBName    = "consultorio"
)

// ErrNoBinaries is returned when no PostgreSQL server binaries can be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found (pg_config --bindir or /usr/lib/postgresql/*/bin); " +
	"install them, e.g. `apt-get install -y postgresql` on Debian/Ubuntu, or set DATABASE_URL to an existing server")

// Options tunes a cluster.
type Options struct {
	// Fast turns off fsync and full-page writes: only for throwaway test
	// clusters, where losing data on a machine crash does not matter.
	Fast bool
}

// Cluster is a private PostgreSQL cluster under a data directory.
type Cluster struct {
	dataDir string // $CONSULTORIO_DATA
	pgDir   string // the cluster's PGDATA (where it really is)
	link    string // $CONSULTORIO_DATA/pg: PGDATA itself, or a symlink to it
	sockDir string
	binDir  string
	opts    Options
	runAs   *syscall.Credential // non-nil when we are root
}

// New locates the PostgreSQL binaries and prepares a cluster description for
// dataDir; it starts nothing.
func New(dataDir string, opts Options) (*Cluster, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory %q: %w", dataDir, err)
	}
	link := filepath.Join(abs, "pg")
	c := &Cluster{dataDir: abs, pgDir: link, link: link, opts: opts}
	if os.Geteuid() == 0 {
		cred, err := postgresUser()
		if err != nil {
			return nil, err
		}
		c.runAs = cred
	}
	switch target, err := os.Readlink(link); {
	case err == nil:
		// DATA/pg points to where the cluster really lives (see below).
		if !filepath.IsAbs(target) {
			target = filepath.Join(abs, target)
		}
		c.pgDir = filepath.Clean(target)
	case c.runAs != nil && !reachableByOthers(abs):
		// The postgres user must be able to reach PGDATA: when a parent
		// directory is closed to others (a home directory with mode 0700, a
		// test's temporary directory), the cluster lives under
		// /var/lib/consultorio instead, keyed by the data directory, and
		// DATA/pg is a symlink to it, so that the data directory still holds
		// (a way to) everything the installation owns.
		if fi, err := os.Lstat(link); err == nil && fi.IsDir() {
			return nil, fmt.Errorf("%s holds a cluster the postgres user cannot reach (a parent directory is closed to others): "+
				"open the parents (chmod o+x) or move the data directory", link)
		}
		sum := sha256.Sum256([]byte(abs))
		c.pgDir = filepath.Join(ElsewhereRoot, hex.EncodeToString(sum[:8]), "pg")
	}
	c.sockDir = socketDir(c.pgDir)
	if c.binDir = clusterBinDir(c.pgDir); c.binDir == "" {
		if c.binDir, err = findBinDir(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// clusterBinDir is the Debian directory of the binaries of an existing
// cluster's major version (PG_VERSION), "" when there is none. Every
// command looks the binaries up, and pg_config is a shell script that
// lists directories: 0.4 s of a no-op migrate at load 24.
func clusterBinDir(pgDir string) string {
	v, err := os.ReadFile(filepath.Join(pgDir, "PG_VERSION"))
	if err != nil {
		return ""
	}
	dir := filepath.Join("/usr/lib/postgresql", strings.TrimSpace(string(v)), "bin")
	if fi, err := os.Stat(filepath.Join(dir, "initdb")); err != nil || fi.IsDir() {
		return ""
	}
	return dir
}

// ElsewhereRoot is where clusters live whose data directory the postgres
// user cannot reach (running as root under a private directory).
const ElsewhereRoot = "/var/lib/consultorio"

// socketDir is the directory of the server's Unix socket: inside the cluster
// directory unless that path is too long for a socket address (108 bytes on
// Linux), in which case a short, stable path under /tmp is used.
func socketDir(pgDir string) string {
	if len(pgDir)+len("/.s.PGSQL.5432") < 100 {
		return pgDir
	}
	sum := sha256.Sum256([]byte(pgDir))
	return filepath.Join(os.TempDir(), "consultorio-pg-"+hex.EncodeToString(sum[:6]))
}

func findBinDir() (string, error) {
	var candidates []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest major version first.
	sort.Slice(matches, func(i, j int) bool { return versionOf(matches[i]) > versionOf(matches[j]) })
	candidates = append(candidates, matches...)
	for _, dir := range candidates {
		if fi, err := os.Stat(filepath.Join(dir, "initdb")); err == nil && !fi.IsDir() {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, the private cluster runs as the system user \"postgres\", which does not exist "+
			"(installing the postgresql package creates it): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// URL is the connection string of the cluster's application database.
func (c *Cluster) URL() string {
	return c.urlFor(DBName)
}

func (c *Cluster) urlFor(db string) string {
	q := url.Values{}
	q.Set("host", c.sockDir)
	return (&url.URL{Scheme: "postgres", User: url.User(Superuser), Path: "/" + db, RawQuery: q.Encode()}).String()
}

// Dir is the cluster's PGDATA directory.
func (c *Cluster) Dir() string { return c.pgDir }

// Start initialises the cluster if needed and starts it unless it is already
// running. Concurrent callers, in this process or others, are serialised by a
// lock file, so exactly one of them starts the server.
func (c *Cluster) Start(ctx context.Context) error {
	if err := os.MkdirAll(c.dataDir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	unlock, err := lockFile(filepath.Join(c.dataDir, "pg.lock"))
	if err != nil {
		return err
	}
	defer unlock()

	running, _ := c.running()
	if !running {
		if _, err := os.Stat(filepath.Join(c.pgDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
			if err := c.initdb(ctx); err != nil {
				return err
			}
		}
	}
	changed, err := c.writeAuth()
	if err != nil {
		return err
	}
	if running {
		if changed {
			return c.reload(ctx)
		}
		return nil
	}
	// A cluster made elsewhere by an older version has no link yet.
	if err := c.ensureLink(); err != nil {
		return err
	}
	c.removeStalePid()
	if err := c.mkSockDir(); err != nil {
		return err
	}
	logFile := filepath.Join(c.pgDir, "server.log")
	args := []string{"start", "-w", "-t", "60", "-D", c.pgDir, "-l", logFile, "-o", c.serverOptions()}
	if out, err := c.run(ctx, "pg_ctl", args...); err != nil {
		return fmt.Errorf("start PostgreSQL: %w\n%s%s", err, out, tail(logFile, 20))
	}
	return c.ensureDatabase(ctx)
}

func (c *Cluster) serverOptions() string {
	// synchronous_commit stays at its default (on): a booking the user was
	// told is saved must survive a crash of the database
	// (TestAcknowledgedBookingsSurviveCrash).
	o := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -c unix_socket_permissions=0700 "+
		"-c max_connections=300", c.sockDir)
	if c.opts.Fast {
		o += " -c fsync=off -c full_page_writes=off"
	}
	return o
}

func (c *Cluster) mkSockDir() error {
	if c.sockDir == c.pgDir {
		return nil
	}
	if err := os.MkdirAll(c.sockDir, 0o700); err != nil {
		return fmt.Errorf("create socket directory: %w", err)
	}
	return c.chown(c.sockDir)
}

// Stop stops the cluster if it runs.
func (c *Cluster) Stop(ctx context.Context) error {
	unlock, err := lockFile(filepath.Join(c.dataDir, "pg.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if running, _ := c.running(); !running {
		return nil
	}
	if out, err := c.run(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", c.pgDir); err != nil {
		return fmt.Errorf("stop PostgreSQL: %w\n%s", err, out)
	}
	return nil
}

// Status tells whether the cluster runs, and its server's process id.
func (c *Cluster) Status() (running bool, pid int, err error) {
	running, pid = c.running()
	return running, pid, nil
}

// running reads postmaster.pid and checks that the process is alive and is a
// PostgreSQL server (a pid left by a crash may have been reused).
func (c *Cluster) running() (bool, int) {
	pid := c.pidFromFile()
	if pid <= 0 {
		return false, 0
	}
	return isPostgres(pid), pid
}

func (c *Cluster) pidFromFile() int {
	b, err := os.ReadFile(filepath.Join(c.pgDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

func isPostgres(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	name := filepath.Base(strings.SplitN(string(cmd), "\x00", 2)[0])
	return name == "postgres" || name == "postmaster"
}

// removeStalePid deletes a postmaster.pid whose process is gone or is not
// PostgreSQL: after a crash, a reused pid would make PostgreSQL refuse to start.
func (c *Cluster) removeStalePid() {
	if pid := c.pidFromFile(); pid > 0 && !isPostgres(pid) {
		_ = os.Remove(filepath.Join(c.pgDir, "postmaster.pid"))
	}
}

func (c *Cluster) initdb(ctx context.Context) error {
	if err := c.prepareDir(); err != nil {
		return err
	}
	// The server is not running yet, and writeAuth replaces initdb's
	// pg_hba.conf before it starts (see auth.go).
	out, err := c.run(ctx, "initdb", "-D", c.pgDir, "-U", Superuser, "--auth=peer", "-E", "UTF8",
		"--locale=C.UTF-8", "--no-sync")
	if err != nil && strings.Contains(string(out), "invalid locale") {
		out, err = c.run(ctx, "initdb", "-D", c.pgDir, "-U", Superuser, "--auth=peer", "-E", "UTF8", "--locale=C", "--no-sync")
	}
	if err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

// prepareDir creates PGDATA, owned by the postgres user when we are root.
func (c *Cluster) prepareDir() error {
	parent := filepath.Dir(c.pgDir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create cluster directory: %w", err)
	}
	if c.runAs != nil {
		// The postgres user must traverse every parent, whatever the umask.
		for d := parent; d != c.dataDir && d != filepath.Dir(d) && strings.HasPrefix(d, "/var/lib/consultorio"); d = filepath.Dir(d) {
			_ = os.Chmod(d, 0o755)
		}
	}
	if err := os.MkdirAll(c.pgDir, 0o700); err != nil {
		return fmt.Errorf("create cluster directory: %w", err)
	}
	if err := c.chown(c.pgDir); err != nil {
		return err
	}
	return c.ensureLink()
}

// ensureLink makes DATA/pg a symlink to PGDATA when the cluster lives
// elsewhere.
func (c *Cluster) ensureLink() error {
	if c.pgDir == c.link {
		return nil
	}
	if target, err := os.Readlink(c.link); err == nil && filepath.Clean(target) == c.pgDir {
		return nil
	}
	if err := os.MkdirAll(c.dataDir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if err := os.Symlink(c.pgDir, c.link); err != nil {
		return fmt.Errorf("link the cluster into the data directory: %w", err)
	}
	return nil
}

// reachableByOthers tells whether every existing directory on the way to dir
// lets others through (directories still to be made are created 0755).
func reachableByOthers(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil && fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func (c *Cluster) chown(path string) error {
	if c.runAs == nil {
		return nil
	}
	if err := os.Chown(path, int(c.runAs.Uid), int(c.runAs.Gid)); err != nil {
		return fmt.Errorf("give %s to the postgres user: %w", path, err)
	}
	return nil
}

func (c *Cluster) ensureDatabase(ctx context.Context) error {
	out, err := c.run(ctx, "psql", "-X", "-q", "-t", "-A", "-d", c.urlFor("postgres"), "-c",
		fmt.Sprintf("select 1 from pg_database where datname = '%s'", DBName))
	if err != nil {
		return fmt.Errorf("check database: %w\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) == "1" {
		return nil
	}
	if out, err := c.run(ctx, "createdb", "-h", c.sockDir, "-U", Superuser, DBName); err != nil &&
		!strings.Contains(string(out), "already exists") {
		return fmt.Errorf("create database: %w\n%s", err, out)
	}
	return nil
}

// run executes a PostgreSQL program from the cluster's binaries, as the
// postgres user when we are root.
func (c *Cluster) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	path := filepath.Join(c.binDir, prog)
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath(prog); lerr == nil {
			path = p
		}
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "PGTZ=UTC")
	if c.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.runAs}
	}
	// pg_ctl's server keeps stdout/stderr open; a log file is used instead and
	// output is collected only from short-lived programs.
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

// clientCmd prepares a PostgreSQL client program that runs as the caller
// (it writes files the caller owns), not as the postgres user.
func clientCmd(ctx context.Context, binDir, prog string, args ...string) *exec.Cmd {
	path := filepath.Join(binDir, prog)
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath(prog); lerr == nil {
			path = p
		}
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "PGTZ=UTC")
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lockFile takes an exclusive advisory lock on path, waiting for it.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
