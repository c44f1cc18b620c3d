package server

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store/storetest"
)

// sizeRecorder is a TUI that remembers every size it was given.
type sizeRecorder struct {
	mu    sync.Mutex
	sizes []string
}

func (r *sizeRecorder) add(w, h int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sizes = append(r.sizes, fmt.Sprintf("%dx%d", w, h))
}

func (r *sizeRecorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sizes...)
}

func (r *sizeRecorder) has(s string) bool {
	for _, x := range r.list() {
		if x == s {
			return true
		}
	}
	return false
}

type sizeModel struct{ r *sizeRecorder }

func (sizeModel) Init() tea.Cmd { return nil }
func (m sizeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		m.r.add(ws.Width, ws.Height)
	}
	return m, nil
}
func (sizeModel) View() tea.View { return tea.NewView("size recorder") }

// A client with a key nobody registered asks for a 3000×3000 terminal and
// then resizes to the largest size the protocol can say: the TUI is only
// ever given sizes within MaxPtyWidth×MaxPtyHeight (it allocates a cell
// buffer of that size), and a normal resize still arrives as it is.
func TestHugePtyIsClamped(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	newClinic(t, db, "clinic-a")
	rec := &sizeRecorder{}
	srv := startServer(t, db, withServer(func(s *Server) {
		s.apps.clinic = func(_ context.Context, p clinicParams) tea.Model {
			rec.add(p.Width, p.Height)
			return sizeModel{rec}
		}
	}))
	// A bare session, not openTerm: the test's own terminal emulator
	// would allocate the huge screen in this process.
	stranger, _ := newKey(t)
	sess, err := mustDial(t, srv.addr, "clinic-a", keyAuth(stranger)).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	sess.Stdout, sess.Stderr = io.Discard, io.Discard
	if err := sess.RequestPty("xterm-256color", 3000, 3000, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%dx%d", MaxPtyWidth, MaxPtyHeight)
	waitUntil(t, "the initial size", func() bool { return rec.has(want) })

	resize := func(w, h uint32) {
		t.Helper()
		if _, err := sess.SendRequest("window-change", false, gossh.Marshal(struct{ W, H, PW, PH uint32 }{w, h, w, h})); err != nil {
			t.Fatal(err)
		}
	}
	resize(math.MaxUint32, math.MaxUint32)
	resize(120, 40)
	waitUntil(t, "the normal resize", func() bool { return rec.has("120x40") })
	for _, s := range rec.list() {
		var w, h int
		fmt.Sscanf(s, "%dx%d", &w, &h)
		if w > MaxPtyWidth || h > MaxPtyHeight || w < 0 || h < 0 {
			t.Errorf("the TUI was given a %s terminal (sizes seen: %s)", s, strings.Join(rec.list(), " "))
		}
	}
}

func FuzzClampWindow(f *testing.F) {
	f.Add(uint32(80), uint32(24))
	f.Add(uint32(3000), uint32(3000))
	f.Add(uint32(math.MaxUint32), uint32(0))
	f.Fuzz(func(t *testing.T, w, h uint32) {
		in := ssh.Window{Width: int(w), Height: int(h), WidthPixels: int(w), HeightPixels: int(h)}
		got := clampWindow(in)
		if got.Width < 0 || got.Width > MaxPtyWidth || got.Height < 0 || got.Height > MaxPtyHeight {
			t.Fatalf("clampWindow(%dx%d) = %dx%d", w, h, got.Width, got.Height)
		}
		if got.WidthPixels != 0 || got.HeightPixels != 0 {
			t.Fatalf("pixel sizes passed on: %+v", got)
		}
		// A size within bounds is kept; a larger one becomes the bound.
		if want := min(int(w), MaxPtyWidth); got.Width != want {
			t.Fatalf("width %d → %d, want %d", w, got.Width, want)
		}
		if want := min(int(h), MaxPtyHeight); got.Height != want {
			t.Fatalf("height %d → %d, want %d", h, got.Height, want)
		}
		if again := clampWindow(got); again != got {
			t.Fatalf("not idempotent: %+v → %+v", got, again)
		}
	})
}
