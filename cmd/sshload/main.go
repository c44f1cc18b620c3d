// Command sshload measures what an SSH terminal session costs the
// consultorio server: time to the first frame, the server's memory per held
// session and its CPU while the sessions sit idle, and the bytes one cursor
// move in the agenda sends. It is the tool behind docs/BENCHMARKS.md
// (issue 16).
//
// It needs a running server (consultorio serve) and the private key of an
// admin of one clinic. Through that admin's scripted commands (the same
// core calls as every other door) it creates --users reception users, each
// with a fresh ed25519 key, and then, with those keys:
//
//  1. opens --hold terminal sessions, waiting for each one's first frame
//     (the user's name in the header), and holds them: the server's RSS
//     (/proc/PID/status) before and after gives the memory per session,
//     the CPU time it uses over --window (/proc/PID/stat) the idle cost;
//  2. in one held session presses up and down in turn (with --across,
//     right and left: from one column to the next) --moves times in the
//     agenda and counts the bytes each move sends;
//  3. after closing them, connects --single times one at a time, then
//     --burst times --parallel at a time, timing connect → first frame.
//
// Example (see docs/BENCHMARKS.md):
//
//	sshload --addr 127.0.0.1:2222 --pid $(pgrep -f 'consultorio serve') \
//	    --clinic demo --admin-key /tmp/load/admin
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

type config struct {
	addr, clinic, adminKey string
	pid                    int
	users                  int
	hold, single, burst    int
	parallel, openParallel int
	window, settle         time.Duration
	moves                  int
	dumpMoves, across      bool
	pprof, profiles        string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:2222", "the server's SSH address")
	flag.IntVar(&cfg.pid, "pid", 0, "the server's process id, for RSS and CPU (required)")
	flag.StringVar(&cfg.clinic, "clinic", "demo", "clinic (SSH user name) to load")
	flag.StringVar(&cfg.adminKey, "admin-key", "", "private key file of an admin of the clinic (required)")
	flag.IntVar(&cfg.users, "users", 10, "reception users to create, one fresh ed25519 key each; sessions take them in turn")
	flag.IntVar(&cfg.hold, "hold", 500, "terminal sessions to open and hold")
	flag.IntVar(&cfg.openParallel, "open-parallel", 20, "sessions opened at once while building the held set")
	flag.DurationVar(&cfg.settle, "settle", 3*time.Second, "wait after the last held session opened before measuring")
	flag.DurationVar(&cfg.window, "window", 20*time.Second, "how long to measure the server's CPU while the sessions are idle")
	flag.StringVar(&cfg.pprof, "pprof", "", "the server's profile address (serve --pprof), e.g. 127.0.0.1:6060: save its heap and goroutines with the sessions held, and a CPU profile of the idle window")
	flag.StringVar(&cfg.profiles, "profiles", ".", "directory for the profiles of --pprof")
	flag.IntVar(&cfg.moves, "moves", 20, "cursor moves in the agenda to count bytes of")
	flag.BoolVar(&cfg.dumpMoves, "dump-moves", false, "print the bytes each cursor move sent (Go-quoted), to see what they are")
	flag.BoolVar(&cfg.across, "across", false, "move the cursor across the agenda's columns (right and left) instead of up and down its rows")
	flag.IntVar(&cfg.single, "single", 100, "connections timed one at a time (connect → first frame)")
	flag.IntVar(&cfg.burst, "burst", 200, "connections timed --parallel at a time")
	flag.IntVar(&cfg.parallel, "parallel", 10, "clients connecting at once in the burst")
	flag.Parse()
	if cfg.pid <= 0 || cfg.adminKey == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: sshload --pid PID --admin-key FILE [flags]")
		flag.PrintDefaults()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "sshload:", err)
		if errors.Is(err, context.Canceled) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}
