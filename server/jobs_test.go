package server

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A background job runs at once and then at its interval; a panic or an
// error is logged and the job runs again; a negative interval disables it;
// cancelling the context stops them all.
func TestBackgroundJobsRepeatAndSurviveFailures(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	s := &Server{log: slog.New(slog.NewTextHandler(logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int32
	s.every(ctx, "flaky", 10*time.Millisecond, func(context.Context) error {
		switch runs.Add(1) {
		case 1:
			panic("boom")
		case 2:
			return errors.New("database down")
		}
		return nil
	})
	s.every(ctx, "off", -1, func(context.Context) error {
		t.Error("a disabled job ran")
		return nil
	})
	waitUntil(t, "third run", func() bool { return runs.Load() >= 3 })
	cancel()
	done := make(chan struct{})
	go func() { s.bg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("jobs did not stop on cancel")
	}
	out := logs.String()
	for _, want := range []string{"job=flaky", "panic: boom", "database down"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
