package sshline

import "testing"

func TestFromListenAndFor(t *testing.T) {
	for _, tc := range []struct {
		listen, host, want string
	}{
		{"127.0.0.1:2222", "", "ssh -p 2222 demo@127.0.0.1"},
		{"127.0.0.1:40123", "", "ssh -p 40123 demo@127.0.0.1"},
		{"clinic.example.com:2200", "", "ssh -p 2200 demo@clinic.example.com"},
		{"0.0.0.0:2222", "", "ssh -p 2222 demo@<host>"},
		{"[::]:2222", "srv1.example.com", "ssh -p 2222 demo@srv1.example.com"},
		{":22", "srv1", "ssh demo@srv1"},
		{"[::1]:2222", "", "ssh -p 2222 demo@[::1]"},
		{"10.0.0.5:2222", "ssh.example.com", "ssh -p 2222 demo@ssh.example.com"},
	} {
		a, err := FromListen(tc.listen, tc.host)
		if err != nil {
			t.Fatalf("%s: %v", tc.listen, err)
		}
		if got := a.For("demo"); got != tc.want {
			t.Errorf("FromListen(%q, %q).For(demo) = %q, want %q", tc.listen, tc.host, got, tc.want)
		}
	}
	if _, err := FromListen("no-port", ""); err == nil {
		t.Error("an address without a port was accepted")
	}
}
