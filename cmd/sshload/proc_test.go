package main

import (
	"os"
	"testing"
	"time"
)

func TestParseStatus(t *testing.T) {
	t.Parallel()
	in := "Name:\tconsultorio\nVmPeak:\t  900000 kB\nVmRSS:\t  363100 kB\nThreads:\t10\n"
	rss, threads, err := parseStatus([]byte(in))
	if err != nil || rss != 363100 || threads != 10 {
		t.Fatalf("parseStatus = %d, %d, %v; want 363100, 10", rss, threads, err)
	}
	if _, _, err := parseStatus([]byte("Name:\tx\n")); err == nil {
		t.Fatal("a status without VmRSS was accepted")
	}
}

// TestParseStatCPU: utime and stime are counted after the command name,
// which may hold spaces and parentheses.
func TestParseStatCPU(t *testing.T) {
	t.Parallel()
	in := "7336 (consult (o) rio) S 1 7336 7336 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 10 0 12345 0 0\n"
	got, err := parseStatCPU([]byte(in))
	if want := 3 * time.Second; err != nil || got != want {
		t.Fatalf("parseStatCPU = %s, %v; want %s", got, err, want)
	}
	if _, err := parseStatCPU([]byte("7336 (x) S 1 2")); err == nil {
		t.Fatal("a truncated stat was accepted")
	}
}

// TestReadProcSelf reads this process's own figures: a live process has
// some RSS and at least one thread.
func TestReadProcSelf(t *testing.T) {
	t.Parallel()
	st, err := readProc(os.Getpid())
	if err != nil || st.rssKiB <= 0 || st.threads < 1 {
		t.Fatalf("readProc(self) = %+v, %v", st, err)
	}
}

func TestPercentiles(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	p50, p99 := percentiles(d)
	if p50 != 51*time.Millisecond || p99 != 100*time.Millisecond {
		t.Fatalf("p50 %s, p99 %s; want 51ms, 100ms", p50, p99)
	}
}
