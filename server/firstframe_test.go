package server

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// slowInit is a program whose Init takes a while, as a screen's may: the
// renderer has flushed the terminal's setup (and queries) before the first
// view exists.
type slowInit struct{}

func (slowInit) Init() tea.Cmd {
	time.Sleep(100 * time.Millisecond)
	return nil
}
func (m slowInit) Update(tea.Msg) (tea.Model, tea.Cmd) { return m, nil }
func (slowInit) View() tea.View                        { return tea.NewView("primer cuadro") }

// watched is an output that tells when a text has arrived.
type watched struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watched) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

// TestFirstFrameIsNotHeldBack: the renderer patch (third_party/PATCHES.md,
// render on change) writes the first frame as soon as its view exists. The
// flushes of terminal setup and queries before it do not count as frames:
// without that, the first frame waited a whole frame interval after them
// (here a second, at 1 frame per second; 33 ms at the server's 30).
func TestFirstFrameIsNotHeldBack(t *testing.T) {
	t.Parallel()
	out := &watched{want: "primer cuadro", seen: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := tea.NewProgram(slowInit{},
		tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(out),
		tea.WithEnvironment([]string{"TERM=xterm-256color"}), tea.WithWindowSize(80, 24),
		tea.WithoutSignalHandler(), tea.WithFPS(1))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = p.Run()
	}()
	defer func() { cancel(); <-done }()

	start := time.Now()
	select {
	case <-out.seen:
		// A frame interval is a second; the view existed after the 100 ms
		// of Init. Half a second leaves room for a loaded machine and
		// still fails a first frame held back by the interval.
		if took := time.Since(start); took > 600*time.Millisecond {
			t.Errorf("the first frame came %s after the program started: held back by the frame interval", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no first frame")
	}
}
