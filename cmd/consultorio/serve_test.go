package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	t.Parallel()
	got, err := parseProxies([]string{"10.0.0.0/8", "192.0.2.7, 2001:db8::1", "::ffff:198.51.100.2"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::1/128", "198.51.100.2/32"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("proxy %d = %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := parseProxies([]string{"lb.example.com"}); err == nil {
		t.Errorf("a host name was accepted")
	}
}

// Limits that would disable a pre-login bound are usage errors (exit 2)
// before anything starts: --max-sessions 0 is not "unlimited".
func TestServeRefusesUnboundedLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-sessions", "0"}, "--max-sessions 0: want at least 1"},
		{[]string{"--max-sessions", "-3"}, "--max-sessions -3: want at least 1"},
		{[]string{"--max-sessions", "10", "--max-login-sessions", "11"}, "--max-login-sessions 11"},
		{[]string{"--max-per-address", "0"}, "--max-per-address 0"},
		{[]string{"--handshake-timeout", "0s"}, "--handshake-timeout 0s"},
		{[]string{"--login-timeout", "-1m"}, "--login-timeout -1m0s"},
	} {
		var out, errb bytes.Buffer
		e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
			getenv: func(string) string { return "" }}
		args := append([]string{"--data", t.TempDir(), "serve", "--listen", "127.0.0.1:0"}, tc.args...)
		if code := runWith(context.Background(), e, args); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("serve %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}
