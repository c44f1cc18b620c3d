package tui

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"consultorio/store"
	"consultorio/tui/tuitest"
)

// countingWriter is a terminal that only counts what it is sent.
type countingWriter struct {
	mu     sync.Mutex
	n      int64
	last   time.Time
	writes chan struct{}
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.n += int64(len(p))
	c.last = time.Now()
	c.mu.Unlock()
	select {
	case c.writes <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (c *countingWriter) count() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// quiet waits until nothing has been written for d (the frame is out).
func (c *countingWriter) quiet(d time.Duration) {
	for {
		c.mu.Lock()
		idle := time.Since(c.last)
		c.mu.Unlock()
		if idle >= d {
			return
		}
		time.Sleep(d - idle)
	}
}

// step sends msg and returns the bytes the terminal received for it.
func (c *countingWriter) step(b *testing.B, p *tea.Program, msg tea.Msg) int64 {
	before := c.count()
	select { // drop a stale notification
	case <-c.writes:
	default:
	}
	p.Send(msg)
	select {
	case <-c.writes:
	case <-time.After(2 * time.Second):
		b.Fatal("no frame after the message")
	}
	c.quiet(20 * time.Millisecond) // a frame is one write burst (60 fps)
	return c.count() - before
}

// benchPatientList runs the clinic app in a real tea.Program at 80x24 (256
// colours, as xterm-256color over SSH) writing to a counting terminal, with
// the patient list open and full.
func benchPatientList(b *testing.B) (*tea.Program, *countingWriter) {
	b.Helper()
	pc := newPatientsClinic(b)
	ctx := context.Background()
	for i := range 30 {
		if _, err := pc.tn.CreatePatient(ctx, store.System, store.PatientInput{FirstName: fmt.Sprintf("Paciente %02d", i),
			Surname: fmt.Sprintf("Apellido%02d Prueba", i), Phone: fmt.Sprintf("9%08d", i),
			BirthDate: time.Date(1980+i, 1, 2, 0, 0, 0, 0, time.UTC), TherapistID: &pc.spec1.ID}); err != nil {
			b.Fatal(err)
		}
	}
	m := NewClinicApp(ctx, ClinicSession{Tenant: pc.tn, User: pc.admin, RemoteAddr: "192.0.2.7:5555",
		Width: 80, Height: 24, DarkBackground: true})
	w := &countingWriter{writes: make(chan struct{}, 1)}
	p := tea.NewProgram(m, tea.WithOutput(w), tea.WithInput(nil), tea.WithWindowSize(80, 24),
		tea.WithColorProfile(colorprofile.ANSI256), tea.WithoutSignalHandler())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := p.Run(); err != nil {
			b.Error(err)
		}
	}()
	b.Cleanup(func() { p.Quit(); <-done })
	w.step(b, p, tuitest.KeyMsg("3"))
	// The spinner draws while the list loads: quiet means it is shown.
	w.quiet(300 * time.Millisecond)
	return p, w
}

// BenchmarkPatientListCursorMove: bytes sent to the terminal per cursor
// move in the patient list at 80x24 (target under 1 KiB). The time per op
// is dominated by waiting for the frame and means nothing.
func BenchmarkPatientListCursorMove(b *testing.B) {
	p, w := benchPatientList(b)
	var total int64
	b.ResetTimer()
	for i := range b.N {
		k := "down"
		if i%2 == 1 {
			k = "up"
		}
		total += w.step(b, p, tuitest.KeyMsg(k))
	}
	b.ReportMetric(float64(total)/float64(b.N), "bytes/move")
}

// BenchmarkPatientListFullRedraw: bytes of a full redraw of the same screen
// (what a cursor move would cost without cell diffs).
func BenchmarkPatientListFullRedraw(b *testing.B) {
	p, w := benchPatientList(b)
	var total int64
	b.ResetTimer()
	for range b.N {
		total += w.step(b, p, tea.ClearScreen())
	}
	b.ReportMetric(float64(total)/float64(b.N), "bytes/redraw")
}
