package server

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"consultorio/store/storetest"
)

// A shutdown that comes right after Serve started (here: a context already
// cancelled) still returns: the listener is closed by Shutdown itself, even
// before Serve's goroutine handed it to the SSH server. Before, Serve then
// accepted forever and `consultorio serve` never exited.
func TestShutdownRightAfterStartReturns(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	for i := range 20 {
		s, err := New(Config{Listen: "127.0.0.1:0", HostKeyPath: t.TempDir() + "/ssh_host_ed25519_key",
			NotifyScanEvery: -1, MoroseEvery: -1, SparesEvery: -1, MailEvery: -1},
			db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Listen(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctx) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d: serve: %v", i, err)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("run %d: Serve did not return after its context ended", i)
		}
	}
}
