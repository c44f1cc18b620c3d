package server

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/store/storetest"
)

// kexInit is the algorithm offer of an SSH peer (RFC 4253 §7.1).
type kexInit struct {
	Kex, HostKey, CiphersCS, CiphersSC, MACsCS, MACsSC []string
}

// readKexInit connects to addr, sends a version line and reads the
// server's first binary packet, its unencrypted KEXINIT.
func readKexInit(t *testing.T, addr string) kexInit {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "SSH-2.0-kexinit-probe\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("server version: %v", err)
		}
		if strings.HasPrefix(line, "SSH-") {
			break
		}
	}
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		t.Fatal(err)
	}
	size := binary.BigEndian.Uint32(hdr[:4])
	if size > 64<<10 {
		t.Fatalf("packet of %d bytes", size)
	}
	body := make([]byte, size-1)
	if _, err := io.ReadFull(r, body); err != nil {
		t.Fatal(err)
	}
	payload := body[:len(body)-int(hdr[4])]
	if payload[0] != 20 {
		t.Fatalf("first packet is message %d, not KEXINIT", payload[0])
	}
	rest := payload[1+16:]
	lists := make([][]string, 0, 6)
	for range 6 {
		n := binary.BigEndian.Uint32(rest[:4])
		lists = append(lists, strings.Split(string(rest[4:4+n]), ","))
		rest = rest[4+n:]
	}
	return kexInit{lists[0], lists[1], lists[2], lists[3], lists[4], lists[5]}
}

// The offer is exactly the chosen lists: a library upgrade that changes its
// defaults changes nothing here, and a weak algorithm cannot slip in.
func TestOfferedAlgorithmsArePinned(t *testing.T) {
	t.Parallel()
	ts := startServer(t, storetest.NewDB(t))
	got := readKexInit(t, ts.addr)

	// The library appends the strict-KEX marker (Terrapin) and ext-info;
	// they are markers, not algorithms.
	wantKex := []string{"mlkem768x25519-sha256", "curve25519-sha256", "curve25519-sha256@libssh.org"}
	var kex []string
	for _, k := range got.Kex {
		if k != "kex-strict-s-v00@openssh.com" && k != "ext-info-s" {
			kex = append(kex, k)
		}
	}
	if !slices.Equal(kex, wantKex) {
		t.Errorf("kex %v, want %v", got.Kex, wantKex)
	}
	if !slices.Contains(got.Kex, "kex-strict-s-v00@openssh.com") {
		t.Errorf("strict KEX marker missing from %v", got.Kex)
	}
	if want := []string{"ssh-ed25519"}; !slices.Equal(got.HostKey, want) {
		t.Errorf("host key algorithms %v, want %v", got.HostKey, want)
	}
	wantCiphers := []string{"chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com"}
	wantMACs := []string{"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"}
	for _, l := range [][]string{got.CiphersCS, got.CiphersSC} {
		if !slices.Equal(l, wantCiphers) {
			t.Errorf("ciphers %v, want %v", l, wantCiphers)
		}
	}
	for _, l := range [][]string{got.MACsCS, got.MACsSC} {
		if !slices.Equal(l, wantMACs) {
			t.Errorf("MACs %v, want %v", l, wantMACs)
		}
	}
}

// A client that offers only what an audit fails cannot connect at all.
func TestWeakAlgorithmsAreRefused(t *testing.T) {
	t.Parallel()
	ts := startServer(t, storetest.NewDB(t))
	cases := map[string]gossh.Config{
		"nist kex":   {KeyExchanges: []string{"ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"}},
		"sha1 kex":   {KeyExchanges: []string{"diffie-hellman-group14-sha1"}},
		"ctr cipher": {Ciphers: []string{"aes128-ctr", "aes256-ctr"}},
		"sha1 mac":   {Ciphers: []string{"aes128-ctr"}, MACs: []string{"hmac-sha1", "hmac-sha1-96"}},
		"non-etm":    {Ciphers: []string{"aes256-ctr"}, MACs: []string{"hmac-sha2-256", "hmac-sha2-512"}},
	}
	for name, c := range cases {
		cfg := &gossh.ClientConfig{Config: c, User: "nobody", Timeout: 5 * time.Second,
			HostKeyCallback: gossh.InsecureIgnoreHostKey()}
		cl, err := gossh.Dial("tcp", ts.addr, cfg)
		if err == nil {
			cl.Close()
			t.Errorf("%s: handshake succeeded", name)
			continue
		}
		if !strings.Contains(err.Error(), "no common algorithm") {
			t.Errorf("%s: %v, want no common algorithm", name, err)
		}
	}
}

// ssh-audit (Debian's package, installed by scripts/ensure-deps.sh) finds
// nothing to fail or warn about. The only exception allowed is the
// tool not knowing an algorithm newer than itself (2.5.0 predates
// mlkem768x25519-sha256), which it reports as "unknown algorithm".
func TestSSHAuditIsClean(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("ssh-audit")
	if err != nil {
		t.Fatalf("ssh-audit not installed (scripts/ensure-deps.sh installs it): %v", err)
	}
	ts := startServer(t, storetest.NewDB(t))
	host, port, _ := net.SplitHostPort(ts.addr)
	// ssh-audit exits non-zero when it warns (it warns about algorithms it
	// does not know); its report is what is judged.
	out, _ := exec.Command(bin, "--no-colors", "-p", port, host).Output()
	report := string(out)
	if !strings.Contains(report, "(kex) curve25519-sha256 ") || !strings.Contains(report, "(enc) chacha20-poly1305@openssh.com") {
		t.Fatalf("ssh-audit did not audit the server:\n%s", report)
	}
	for _, line := range strings.Split(report, "\n") {
		switch {
		case strings.HasPrefix(line, "(rec)"):
			t.Errorf("ssh-audit recommends a change: %s", line)
		case strings.Contains(line, "[fail]"):
			t.Errorf("ssh-audit fails: %s", line)
		case strings.Contains(line, "[warn]") && !strings.Contains(line, "[warn] unknown algorithm"):
			t.Errorf("ssh-audit warns: %s", line)
		}
	}
	if t.Failed() {
		t.Logf("full report:\n%s", report)
	}
}
