package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// loadUser is a staff user the tool created, with the key it signs with.
type loadUser struct {
	email, name string
	signer      gossh.Signer
}

func run(ctx context.Context, cfg config) error {
	admin, err := readSigner(cfg.adminKey)
	if err != nil {
		return err
	}
	if _, err := readProc(cfg.pid); err != nil {
		return err
	}
	fmt.Printf("sshload: %s@%s, server pid %d, load average %s\n", cfg.clinic, cfg.addr, cfg.pid, loadAverage())
	users, err := createUsers(ctx, cfg, admin)
	if err != nil {
		return err
	}
	fmt.Printf("created %d reception users with one ed25519 key each\n", len(users))

	if cfg.hold > 0 {
		if err := holdPhase(ctx, cfg, users); err != nil {
			return err
		}
	}
	if cfg.single > 0 {
		lat, err := timeConnections(ctx, cfg, users, cfg.single, 1)
		if err != nil {
			return err
		}
		report("1 client at a time", lat)
	}
	if cfg.burst > 0 {
		lat, err := timeConnections(ctx, cfg, users, cfg.burst, cfg.parallel)
		if err != nil {
			return err
		}
		report(fmt.Sprintf("%d clients at once", cfg.parallel), lat)
	}
	fmt.Printf("load average at the end: %s\n", loadAverage())
	return nil
}

func readSigner(file string) (gossh.Signer, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("admin key: %w", err)
	}
	s, err := gossh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("admin key %s: %w", file, err)
	}
	return s, nil
}

func dial(cfg config, signer gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", cfg.addr, &gossh.ClientConfig{
		User: cfg.clinic, Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		// A load tool against a server on this machine: the host key is
		// not what is measured.
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec
		Timeout:         30 * time.Second,
	})
}

// command runs one scripted command as the admin, stdin optional.
func command(c *gossh.Client, line, stdin string) (string, error) {
	sess, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer sess.Close()
	if stdin != "" {
		sess.Stdin = strings.NewReader(stdin)
	}
	out, err := sess.CombinedOutput(line)
	if err != nil {
		return "", fmt.Errorf("%s: %w: %s", line, err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// createUsers adds cfg.users reception users, named after this run, each
// with a fresh ed25519 key, through the admin's scripted commands.
func createUsers(ctx context.Context, cfg config, admin gossh.Signer) ([]loadUser, error) {
	c, err := dial(cfg, admin)
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	defer c.Close()
	var id [3]byte
	_, _ = rand.Read(id[:])
	runID := hex.EncodeToString(id[:])
	users := make([]loadUser, cfg.users)
	for i := range users {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		u := &users[i]
		u.name = fmt.Sprintf("sshload-%s-%02d", runID, i+1)
		u.email = u.name + "@load.test"
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		if u.signer, err = gossh.NewSignerFromKey(priv); err != nil {
			return nil, err
		}
		if _, err := command(c, fmt.Sprintf("staff add --email %s --name %s --role reception", u.email, u.name), ""); err != nil {
			return nil, err
		}
		line := string(gossh.MarshalAuthorizedKey(u.signer.PublicKey()))
		if _, err := command(c, "staff keys add "+u.email, line); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// phases is where one connection's time to the first frame went.
type phases struct {
	dial      time.Duration // TCP, SSH handshake, authentication
	open      time.Duration // session channel, PTY request, shell request
	firstByte time.Duration // shell request answered → first output byte
	frame     time.Duration // first byte → the first screen complete
}

func (p phases) total() time.Duration { return p.dial + p.open + p.firstByte + p.frame }

// session is an open terminal session whose output is counted.
type session struct {
	phases phases
	client *gossh.Client
	sess   *gossh.Session
	stdin  io.Writer
	bytes  atomic.Int64 // received after the first frame
	last   atomic.Int64 // unix nanoseconds of the last byte received

	mu   sync.Mutex
	kept *bytes.Buffer // while not nil, what is received is also kept here
}

// keep starts keeping what s receives (nil stops) and returns what was
// kept since the last call.
func (s *session) keep(on bool) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var got []byte
	if s.kept != nil {
		got = s.kept.Bytes()
	}
	s.kept = nil
	if on {
		s.kept = &bytes.Buffer{}
	}
	return got
}

func (s *session) close() {
	s.sess.Close()
	s.client.Close()
}

// open connects as u, asks for an 80x24 terminal and returns once the
// output holds the user's name (the header of the first screen). The rest
// of the output is then counted, not kept.
func open(cfg config, u loadUser) (*session, error) {
	start := time.Now()
	c, err := dial(cfg, u.signer)
	if err != nil {
		return nil, err
	}
	s, err := startTerminal(c, u.name, start)
	if err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

func startTerminal(c *gossh.Client, waitFor string, start time.Time) (*session, error) {
	var ph phases
	ph.dial = time.Since(start)
	sess, err := c.NewSession()
	if err != nil {
		return nil, err
	}
	if err := sess.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		return nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := sess.Shell(); err != nil {
		return nil, err
	}
	ph.open = time.Since(start) - ph.dial
	var got bytes.Buffer
	buf := make([]byte, 4096)
	for !bytes.Contains(got.Bytes(), []byte(waitFor)) {
		n, err := stdout.Read(buf)
		if err != nil {
			return nil, fmt.Errorf("first frame: %w (got %q)", err, got.String())
		}
		if got.Len() == 0 {
			ph.firstByte = time.Since(start) - ph.dial - ph.open
		}
		got.Write(buf[:n])
	}
	ph.frame = time.Since(start) - ph.dial - ph.open - ph.firstByte
	s := &session{client: c, sess: sess, stdin: stdin, phases: ph}
	s.last.Store(time.Now().UnixNano())
	go func() {
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				s.mu.Lock()
				if s.kept != nil {
					s.kept.Write(buf[:n])
				}
				s.mu.Unlock()
				s.bytes.Add(int64(n))
				s.last.Store(time.Now().UnixNano())
			}
			if err != nil {
				return
			}
		}
	}()
	return s, nil
}

// quiet waits until s has received nothing for d (at most max).
func (s *session) quiet(d, max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		idle := time.Since(time.Unix(0, s.last.Load()))
		if idle >= d {
			return
		}
		time.Sleep(d - idle)
	}
}

// holdPhase opens cfg.hold sessions, measures the server's RSS and idle
// CPU, counts the bytes of cursor moves, then closes them.
func holdPhase(ctx context.Context, cfg config, users []loadUser) error {
	// Warm up (code paths, the database pool) before the baseline.
	for i := range min(5, len(users)) {
		s, err := open(cfg, users[i])
		if err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		s.close()
	}
	time.Sleep(time.Second)
	before, err := readProc(cfg.pid)
	if err != nil {
		return err
	}

	held := make([]*session, cfg.hold)
	start := time.Now()
	if err := parallel(ctx, cfg.hold, cfg.openParallel, func(i int) error {
		s, err := open(cfg, users[i%len(users)])
		held[i] = s
		return err
	}); err != nil {
		closeAll(held)
		return fmt.Errorf("holding sessions: %w", err)
	}
	defer closeAll(held)
	fmt.Printf("opened %d sessions in %.1f s\n", cfg.hold, time.Since(start).Seconds())

	time.Sleep(cfg.settle)
	after, err := readProc(cfg.pid)
	if err != nil {
		return err
	}
	perSession := float64(after.rssKiB-before.rssKiB) / float64(cfg.hold)
	fmt.Printf("server RSS: %d KiB before, %d KiB with %d sessions: %.0f KiB per session (threads %d → %d)\n",
		before.rssKiB, after.rssKiB, cfg.hold, perSession, before.threads, after.threads)

	if cfg.pprof != "" {
		for name, path := range map[string]string{"heap.prof": "heap?gc=1", "goroutines.txt": "goroutine?debug=1"} {
			if err := saveProfile(ctx, cfg, path, name); err != nil {
				return err
			}
		}
		// The CPU profile covers the idle window below.
		go func() {
			secs := int(cfg.window.Seconds())
			if err := saveProfile(ctx, cfg, fmt.Sprintf("profile?seconds=%d", secs), "cpu.prof"); err != nil {
				fmt.Fprintln(os.Stderr, "sshload:", err)
			}
		}()
	}

	var sentBefore int64
	for _, s := range held {
		sentBefore += s.bytes.Load()
	}
	begin, err := readProc(cfg.pid)
	if err != nil {
		return err
	}
	wall := time.Now()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(cfg.window):
	}
	end, err := readProc(cfg.pid)
	if err != nil {
		return err
	}
	elapsed := time.Since(wall)
	var sentAfter int64
	for _, s := range held {
		sentAfter += s.bytes.Load()
	}
	fmt.Printf("server CPU with %d idle sessions: %.2f%% of a core over %.0f s; %d bytes sent to them meanwhile (load average %s)\n",
		cfg.hold, 100*(end.cpu-begin.cpu).Seconds()/elapsed.Seconds(), elapsed.Seconds(),
		sentAfter-sentBefore, loadAverage())

	if cfg.moves > 0 {
		if err := cursorMoves(held[0], cfg.moves, cfg.across, cfg.dumpMoves); err != nil {
			return err
		}
	}
	return nil
}

// cursorMoves presses up and down in turn in s (the agenda is the first
// screen; across: right and left, from the first column to the second and
// back) and prints the bytes each move sent. Alternating keeps the cursor
// moving wherever "now" placed it; a move against the edge of the day
// changes nothing and is counted apart. With dump, each move's bytes are
// printed too.
func cursorMoves(s *session, n int, across, dump bool) error {
	keys := [2]string{"\x1b[A", "\x1b[B"} // up, down
	if across {
		keys = [2]string{"\x1b[C", "\x1b[D"} // right, left
	}
	s.quiet(300*time.Millisecond, 5*time.Second)
	var sizes []int64
	still := 0
	for i := range n {
		key := keys[i%2]
		n0 := s.bytes.Load()
		s.keep(dump)
		if _, err := io.WriteString(s.stdin, key); err != nil {
			return fmt.Errorf("cursor move: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
		s.quiet(400*time.Millisecond, 3*time.Second)
		if got := s.keep(false); dump {
			fmt.Printf("move %d (%q): %d B %q\n", i+1, key, len(got), got)
		}
		if d := s.bytes.Load() - n0; d > 0 {
			sizes = append(sizes, d)
		} else {
			still++
		}
	}
	if len(sizes) == 0 {
		return fmt.Errorf("cursor moves: none of %d changed the screen", n)
	}
	fmt.Printf("bytes of each cursor move: %v (%d moves against an edge sent nothing)\n", sizes, still)
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	var sum int64
	for _, n := range sizes {
		sum += n
	}
	fmt.Printf("bytes per cursor move in the agenda (%d moves): mean %.1f, median %d, max %d\n",
		len(sizes), float64(sum)/float64(len(sizes)), sizes[len(sizes)/2], sizes[len(sizes)-1])
	return nil
}

func closeAll(held []*session) {
	for _, s := range held {
		if s != nil {
			s.close()
		}
	}
}

// timeConnections times total connections, width at a time: dial,
// authenticate, open a terminal, first frame.
func timeConnections(ctx context.Context, cfg config, users []loadUser, total, width int) ([]phases, error) {
	lat := make([]phases, total)
	err := parallel(ctx, total, width, func(i int) error {
		s, err := open(cfg, users[i%len(users)])
		if err != nil {
			return err
		}
		lat[i] = s.phases
		s.close()
		return nil
	})
	return lat, err
}

// report prints the percentiles of the connections' first frames and the
// medians of their phases.
func report(what string, lat []phases) {
	pick := func(f func(phases) time.Duration) []time.Duration {
		out := make([]time.Duration, len(lat))
		for i, p := range lat {
			out[i] = f(p)
		}
		return out
	}
	p50, p99 := percentiles(pick(phases.total))
	dial, _ := percentiles(pick(func(p phases) time.Duration { return p.dial }))
	open, _ := percentiles(pick(func(p phases) time.Duration { return p.open }))
	first, _ := percentiles(pick(func(p phases) time.Duration { return p.firstByte }))
	frame, _ := percentiles(pick(func(p phases) time.Duration { return p.frame }))
	fmt.Printf("first frame, %s (%d): p50 %.1f ms, p99 %.1f ms (medians: dial+auth %.1f, session+pty+shell %.1f, → first byte %.1f, → frame complete %.1f ms)\n",
		what, len(lat), ms(p50), ms(p99), ms(dial), ms(open), ms(first), ms(frame))
}

// parallel runs f(0..n-1), width at a time, and returns the first error.
func parallel(ctx context.Context, n, width int, f func(i int) error) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	jobs := make(chan int)
	for range max(width, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := f(i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if firstErr != nil && errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	return firstErr
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.50), at(0.99)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// saveProfile fetches http://PPROF/debug/pprof/PATH into the profiles
// directory as name.
func saveProfile(ctx context.Context, cfg config, path, name string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+cfg.pprof+"/debug/pprof/"+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s", path, resp.Status)
	}
	f, err := os.Create(filepath.Join(cfg.profiles, name))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile %s: %w", path, err)
	}
	return f.Close()
}
