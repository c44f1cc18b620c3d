package server

import (
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"

	"consultorio/store/storetest"
)

// TestVT100OverOpenSSHInARealPTY: a clinic user on a vt100 — the real
// OpenSSH client, run in a real pseudo-terminal of 80x24 with TERM=vt100,
// which it sends in its pty request — gets the first screen in ASCII mode:
// no character outside ASCII (box drawing, markers, accents of the
// catalogue) and no colour escape sequence in the bytes sent. The same
// client with TERM=xterm-256color gets Unicode chrome and colours, so the
// checks cannot pass vacuously.
func TestVT100OverOpenSSHInARealPTY(t *testing.T) {
	t.Parallel()
	sshBin := openSSHBin(t, "ssh")
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	dir := t.TempDir()
	keyFile, authorized := clientKeyFile(t, dir, "id_ed25519")
	a.addKey(t, a.admin.ID, authorized)
	srv := startServer(t, db)
	_, port, _ := net.SplitHostPort(srv.addr)

	open := func(termType string) *ptyClient {
		c := exec.Command(sshBin, append(openSSHOpts(keyFile), "-p", port, "clinic-a@127.0.0.1")...)
		c.Env = []string{"TERM=" + termType, "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
		return startPTYClient(t, c, 80, 24)
	}
	// The clinic's registered name is stored text: it keeps its letters.
	chrome := func(screen string) string {
		var bad []rune
		for _, r := range strings.ReplaceAll(screen, a.tn.Info.Name, "") {
			if r > 0x7f {
				bad = append(bad, r)
			}
		}
		return string(bad)
	}

	xterm := open("xterm-256color")
	s := xterm.waitFor(t, "[1 Agenda]", "Admin clinic-a")
	if chrome(s) == "" || !hasColour(xterm.output()) {
		t.Fatalf("xterm-256color: want Unicode chrome and colours; screen:\n%s", s)
	}
	xterm.quit(t)

	vt100 := open("vt100")
	s = vt100.waitFor(t, "[1 Agenda]", "Admin clinic-a")
	if bad := chrome(s); bad != "" {
		t.Errorf("vt100: non-ASCII characters %q on the first screen:\n%s", bad, s)
	}
	if hasColour(vt100.output()) {
		t.Errorf("vt100: colour escape sequences in the output: %q", colourSGR.FindAllString(vt100.output(), -1))
	}
	vt100.quit(t)
}

// colourSGR matches the SGR sequences (ESC [ … m) of the output.
var colourSGR = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// hasColour tells whether any SGR sequence of out sets a foreground or
// background colour (30–38, 40–48, 90–97, 100–107); bold, reverse and
// the resets are not colours.
func hasColour(out string) bool {
	for _, m := range colourSGR.FindAllStringSubmatch(out, -1) {
		params := strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' })
		for i := 0; i < len(params); i++ {
			switch p := params[i]; {
			case p == "38" || p == "48" || p == "58":
				return true
			case len(p) == 2 && (p[0] == '3' || p[0] == '4' || p[0] == '9') && p[1] >= '0' && p[1] <= '7':
				return true
			case len(p) == 3 && p[:2] == "10" && p[2] >= '0' && p[2] <= '7':
				return true
			}
		}
	}
	return false
}

// ptyClient is a client program (ssh) running in a real pseudo-terminal,
// whose output drives a virtual terminal as a user's would.
type ptyClient struct {
	cmd  *exec.Cmd
	ptmx *os.File
	mu   sync.Mutex
	emu  *vt.Emulator
	raw  strings.Builder
	done chan error
}

func startPTYClient(t *testing.T, c *exec.Cmd, w, h int) *ptyClient {
	t.Helper()
	ptmx, err := pty.StartWithSize(c, &pty.Winsize{Cols: uint16(w), Rows: uint16(h)})
	if err != nil {
		t.Fatalf("start %s in a pty: %v", c.Path, err)
	}
	p := &ptyClient{cmd: c, ptmx: ptmx, emu: vt.NewEmulator(w, h), done: make(chan error, 1)}
	// The emulator answers the program's queries through its read side.
	go func() { _, _ = io.Copy(ptmx, p.emu) }()
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				p.mu.Lock()
				p.raw.Write(buf[:n])
				_, _ = p.emu.Write(buf[:n])
				p.mu.Unlock()
			}
			if err != nil {
				return // EIO once the program has exited
			}
		}
	}()
	go func() { p.done <- c.Wait() }()
	t.Cleanup(func() {
		if c.ProcessState == nil {
			_ = c.Process.Kill()
		}
		ptmx.Close()
		p.emu.InputPipe().(*io.PipeWriter).Close()
	})
	return p
}

func (p *ptyClient) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.emu.String()
}

func (p *ptyClient) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.raw.String()
}

// waitFor polls the screen until it shows every text and is not loading.
func (p *ptyClient) waitFor(t *testing.T, texts ...string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.screen()
		ok := !strings.Contains(s, "Cargando")
		for _, x := range texts {
			ok = ok && strings.Contains(s, x)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("screen never showed %q; it shows:\n%s", texts, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// quit presses q and waits for ssh to exit.
func (p *ptyClient) quit(t *testing.T) {
	t.Helper()
	if _, err := p.ptmx.Write([]byte("q")); err != nil {
		t.Fatalf("type q: %v", err)
	}
	select {
	case err := <-p.done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("ssh: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("ssh did not exit after q; the screen:\n%s", p.screen())
	}
}
