package main

import "testing"

func TestParseTrustedProxies(t *testing.T) {
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
