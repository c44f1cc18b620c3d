package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"consultorio/store/storetest"
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

// Two servers on one database: the shared jobs run on exactly one of them;
// when it stops, the other takes them over at its next try.
func TestSharedJobsRunOnOneServerOfTwo(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	type inst struct {
		s      *Server
		cancel context.CancelFunc
		runs   atomic.Int32
	}
	var servers [2]*inst
	for i := range servers {
		in := &inst{s: &Server{db: db, serverID: fmt.Sprintf("server-%d", i), log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
		var ctx context.Context
		ctx, in.cancel = context.WithCancel(context.Background())
		in.s.lead(ctx, 20*time.Millisecond)
		in.s.every(ctx, "shared", 5*time.Millisecond, in.s.ifLeader(func(context.Context) error {
			in.runs.Add(1)
			return nil
		}))
		servers[i] = in
		t.Cleanup(func() { in.cancel(); in.s.bg.Wait() })
	}
	waitUntil(t, "the shared job to run", func() bool { return servers[0].runs.Load()+servers[1].runs.Load() >= 20 })
	leader, other := servers[0], servers[1]
	if other.runs.Load() > 0 {
		leader, other = other, leader
	}
	if leader.runs.Load() == 0 || other.runs.Load() != 0 {
		t.Fatalf("runs: %d and %d; want one server only", leader.runs.Load(), other.runs.Load())
	}
	if !leader.s.leading.Load() || other.s.leading.Load() {
		t.Fatalf("leading: %v and %v", leader.s.leading.Load(), other.s.leading.Load())
	}
	// The leader stops: the other takes over.
	leader.cancel()
	leader.s.bg.Wait()
	stopped := leader.runs.Load()
	waitUntil(t, "the other server to take over", func() bool { return other.runs.Load() >= 5 })
	if leader.runs.Load() != stopped {
		t.Errorf("the stopped server kept running the job")
	}
}
