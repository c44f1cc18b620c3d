package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is the unit of utime/stime in /proc/PID/stat (USER_HZ). It
// is 100 on every Linux architecture Go supports; sysconf is not reachable
// without cgo.
const clockTicks = 100

// procStats is what the tool reads of the server process.
type procStats struct {
	rssKiB  int64         // VmRSS
	cpu     time.Duration // utime + stime
	threads int
}

// readProc reads /proc/PID/status and /proc/PID/stat.
func readProc(pid int) (procStats, error) {
	var st procStats
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, fmt.Errorf("server process: %w", err)
	}
	if st.rssKiB, st.threads, err = parseStatus(status); err != nil {
		return st, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, fmt.Errorf("server process: %w", err)
	}
	st.cpu, err = parseStatCPU(stat)
	return st, err
}

// parseStatus reads VmRSS (KiB) and Threads from /proc/PID/status.
func parseStatus(b []byte) (rssKiB int64, threads int, err error) {
	var haveRSS bool
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		switch k {
		case "VmRSS":
			if rssKiB, err = strconv.ParseInt(f[0], 10, 64); err != nil {
				return 0, 0, fmt.Errorf("VmRSS %q: %w", v, err)
			}
			haveRSS = true
		case "Threads":
			if threads, err = strconv.Atoi(f[0]); err != nil {
				return 0, 0, fmt.Errorf("threads %q: %w", v, err)
			}
		}
	}
	if !haveRSS {
		return 0, 0, fmt.Errorf("no VmRSS in /proc status")
	}
	return rssKiB, threads, nil
}

// parseStatCPU reads utime + stime (fields 14 and 15) from /proc/PID/stat.
// The command name (field 2) is in parentheses and may hold spaces: fields
// are counted after its closing parenthesis.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc stat: no command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// After ")" come field 3 (state) onwards: utime is field 14, index 11.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: %d fields", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// loadAverage is the first field of /proc/loadavg ("" if unreadable).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
