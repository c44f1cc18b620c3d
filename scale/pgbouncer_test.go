//go:build scale

package scale

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
)

// pgbouncer runs PgBouncer in transaction mode in front of the coordinator,
// with at most serverConns connections to it, for the roles listed; it
// returns the URL of upstream (as given) through PgBouncer.
func pgbouncer(t *testing.T, upstream string, roles []string, serverConns int) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		t.Fatalf("pgbouncer not installed (make test-scale installs the Debian package): %v", err)
	}
	up, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	// No waiting limits (client_login_timeout, query_wait_timeout: 0 turns
	// them off). With more clinic roles than server connections, a pool
	// that has none yet waits, at login, until another pool lets one go;
	// the tests keep every pool busy, and on a loaded machine that wait
	// passed PgBouncer's default 60 s and failed logins. How long a client
	// waits is not what the tests check (the server-connection limit and
	// the isolation are), and `go test -timeout` still ends a real hang.
	// PgBouncer drops root for the postgres user, who must read its files.
	dir, err := os.MkdirTemp("", "pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var users strings.Builder
	for _, r := range roles {
		fmt.Fprintf(&users, "%q \"\"\n", r)
	}
	ini := fmt.Sprintf(`[databases]
%[1]s = host=%[2]s port=%[3]s dbname=%[1]s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %[4]d
unix_socket_dir =
auth_type = trust
auth_file = %[5]s
admin_users = %[6]s
pool_mode = transaction
max_client_conn = 2000
default_pool_size = %[7]d
max_db_connections = %[7]d
server_reset_query =
ignore_startup_parameters = extra_float_digits
client_login_timeout = 0
query_wait_timeout = 0
`, strings.TrimPrefix(up.Path, "/"), up.Hostname(), up.Port(), port, filepath.Join(dir, "users.txt"), up.User.Username(), serverConns)
	for name, body := range map[string]string{"users.txt": users.String(), "pgbouncer.ini": ini} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{filepath.Join(dir, "pgbouncer.ini")}
	if os.Getuid() == 0 {
		args = append([]string{"-u", "postgres"}, args...)
	}
	cmd := exec.Command(bin, args...)
	var logBuf strings.Builder
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pgbouncer: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("pgbouncer log:\n%s", logBuf.String())
		}
	})
	bu := *up
	bu.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", bu.Host)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgbouncer did not listen on %s: %v\n%s", bu.Host, err, logBuf.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return bu.String()
}

// withQuery adds a query parameter to a URL.
func withQuery(t *testing.T, u, key, value string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := p.Query()
	q.Set(key, value)
	p.RawQuery = q.Encode()
	return p.String()
}

// 200 sessions over 50 clinics through PgBouncer in transaction mode with
// 20 server connections: every transaction of a clinic runs as that
// clinic's role with its schema first, and sees only its own patients, so
// neither role nor search_path nor rows cross clinics through a pooled
// server connection. pgx runs in cache_describe mode: PgBouncer 1.18 in
// transaction mode cannot keep named prepared statements.
func TestPgBouncerTransactionModeKeepsClinicsApart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	openDB(t, testClock()) // the public schema migrated
	// The clinics are made on a connection of their own, closed before the
	// load, so every clinic connection the coordinator sees comes through
	// PgBouncer.
	direct, err := store.Open(ctx, citusURL(t), store.Options{Clock: testClock()})
	if err != nil {
		t.Fatal(err)
	}
	const clinics, sessions, serverConns, rounds = 50, 200, 20, 10
	schemas := make([]string, clinics)
	// Built a few at a time: a clinic schema costs seconds of DDL on Citus.
	var mk sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range schemas {
		mk.Add(1)
		go func() {
			defer mk.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			schemas[i] = newClinic(t, direct, fmt.Sprintf("pgb%02d", i)).schema
		}()
	}
	mk.Wait()
	if t.Failed() {
		t.FailNow()
	}
	direct.Close()
	coord := owner(t, citusURL(t))
	rows, err := coord.Query(ctx, `select role_name from public.tenants where schema_name = any($1)`, schemas)
	if err != nil {
		t.Fatal(err)
	}
	clinicRoles, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	rows, err = coord.Query(ctx, `select rolname::text from pg_roles where rolname like '%\_\_app' or rolname = current_user`)
	if err != nil {
		t.Fatal(err)
	}
	others, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	roles := append(others, clinicRoles...)
	bouncer := pgbouncer(t, citusURL(t), roles, serverConns)
	db, err := store.Open(ctx, withQuery(t, bouncer, "default_query_exec_mode", "cache_describe"),
		store.Options{Clock: testClock(), ClinicConns: sessions * 2, ConnsPerClinic: 4})
	if err != nil {
		t.Fatalf("open through pgbouncer: %v", err)
	}
	defer db.Close()
	tenants := make([]*store.Tenant, clinics)
	for i, s := range schemas {
		if tenants[i], err = db.Tenant(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	// The coordinator's count of the clinics' backends, sampled during the
	// load.
	done, sampled := make(chan struct{}), make(chan struct{})
	maxSeen := 0
	go func() {
		defer close(sampled)
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			var n int
			if err := coord.QueryRow(ctx, `select count(*) from pg_stat_activity where usename = any($1)`, clinicRoles).Scan(&n); err == nil {
				maxSeen = max(maxSeen, n)
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tn := tenants[i%clinics]
			for range rounds {
				page, err := tn.ListPatients(ctx, store.System, store.PatientQuery{})
				if err != nil {
					errs <- fmt.Errorf("session %d (%s): list patients: %w", i, tn.Info.Schema, err)
					return
				}
				if len(page.Patients) != 1 {
					errs <- fmt.Errorf("session %d (%s) sees %d patients, want its own 1", i, tn.Info.Schema, len(page.Patients))
					return
				}
				var user, path string
				err = tn.Exec(ctx, func(tx pgx.Tx) error {
					return tx.QueryRow(ctx, `select current_user::text, current_setting('search_path')`).Scan(&user, &path)
				})
				if err != nil {
					errs <- fmt.Errorf("session %d (%s): %w", i, tn.Info.Schema, err)
					return
				}
				if user != tn.Info.Role || !strings.HasPrefix(path, pgx.Identifier{tn.Info.Schema}.Sanitize()) {
					errs <- fmt.Errorf("session %d of %s ran as %s with search_path %s", i, tn.Info.Schema, user, path)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	close(done)
	<-sampled
	t.Logf("at most %d server connections of the %d clinics at once (limit %d)", maxSeen, clinics, serverConns)
	if maxSeen == 0 || maxSeen > serverConns {
		t.Errorf("the coordinator saw at most %d connections of the clinics' roles at once; want 1 to %d", maxSeen, serverConns)
	}
}
