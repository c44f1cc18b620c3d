package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"consultorio/server/cmd"
)

// TestPprofOnlyOnLoopback: the profiles show the server's internals, so
// --pprof refuses any address but a loopback one, as a usage error.
func TestPprofOnlyOnLoopback(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:6060", "example.com:6060", "127.0.0.1"} {
		if _, err := servePprof(ctx, addr, log); err == nil || cmd.ExitCode(err) != 2 {
			t.Errorf("--pprof %s: %v (exit %d), want a usage error", addr, err, cmd.ExitCode(err))
		}
	}
	a, err := servePprof(ctx, "127.0.0.1:0", log)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + a.String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine") {
		t.Fatalf("goroutine profile: %s %.200q", resp.Status, body)
	}
}
