// Package mailtest runs a real SMTP server for tests: Mailpit
// (github.com/axllent/mailpit v1.33.1, installed into bin/ by
// scripts/ensure-deps.sh, which `make test` runs), and reads the messages
// it received back through its HTTP API.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Mailpit is one running Mailpit process with its own ports and database.
type Mailpit struct {
	SMTPPort int
	// RootCAs trusts the certificate the server presents (With TLS); nil
	// without TLS.
	RootCAs  *x509.CertPool
	api      string
	bin, dir string
	flags    []string // of Options, given to every Up
	cmd      *exec.Cmd
	t        testing.TB
}

// Options ask for a Mailpit that protects and guards its SMTP port.
type Options struct {
	// STARTTLS: a certificate made for the test (127.0.0.1, localhost),
	// and every client must upgrade with STARTTLS before anything else.
	STARTTLS bool
	// TLS: the same certificate, TLS from the first byte (SMTPS).
	TLS bool
	// Users, when set, are the only logins the server accepts (SMTP AUTH
	// required); their passwords are stored bcrypt-hashed.
	Users map[string]string
}

// binary finds bin/mailpit at the module's root (the test's working
// directory is its package's directory, somewhere below the root).
func binary(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("mailtest: go.mod not found above the test's directory")
		}
		dir = parent
	}
	bin := filepath.Join(dir, "bin", "mailpit")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("mailtest: %s is missing: run `make deps` (scripts/ensure-deps.sh installs Mailpit v1.33.1)", bin)
	}
	return bin
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs a Mailpit for the test, stopped when the test ends.
func Start(t testing.TB) *Mailpit { return StartWith(t, Options{}) }

// StartWith runs a Mailpit with TLS and logins as o says.
func StartWith(t testing.TB, o Options) *Mailpit {
	t.Helper()
	m := &Mailpit{SMTPPort: freePort(t), bin: binary(t), dir: t.TempDir(), t: t}
	m.api = fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	if o.STARTTLS || o.TLS {
		cert, key, pool := selfSigned(t, m.dir)
		m.RootCAs = pool
		m.flags = append(m.flags, "--smtp-tls-cert", cert, "--smtp-tls-key", key)
		if o.TLS {
			m.flags = append(m.flags, "--smtp-require-tls")
		} else {
			m.flags = append(m.flags, "--smtp-require-starttls")
		}
	}
	if len(o.Users) > 0 {
		var b strings.Builder
		for user, password := range o.Users {
			h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s:%s\n", user, h)
		}
		file := filepath.Join(m.dir, "smtp-users")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		m.flags = append(m.flags, "--smtp-auth-file", file)
	}
	m.Up()
	t.Cleanup(m.Down)
	return m
}

// selfSigned writes a certificate for 127.0.0.1 and localhost, valid for
// the test, and its key; the pool trusts it.
func selfSigned(t testing.TB, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "mailpit test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:    []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "smtp.crt"), filepath.Join(dir, "smtp.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// Up starts the process (again, on the same ports and database), with
// extra Mailpit flags if given, and waits until it answers.
func (m *Mailpit) Up(flags ...string) {
	m.t.Helper()
	u, _ := url.Parse(m.api)
	m.cmd = exec.Command(m.bin, slices.Concat([]string{
		"--smtp", fmt.Sprintf("127.0.0.1:%d", m.SMTPPort), "--listen", u.Host,
		"--database", filepath.Join(m.dir, "mailpit.db"), "--disable-version-check"}, m.flags, flags)...)
	log, err := os.Create(filepath.Join(m.dir, "mailpit.log"))
	if err != nil {
		m.t.Fatal(err)
	}
	m.cmd.Stdout, m.cmd.Stderr = log, log
	if err := m.cmd.Start(); err != nil {
		m.t.Fatalf("start mailpit: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", m.SMTPPort), time.Second)
		if err == nil {
			c.Close()
			if resp, err := http.Get(m.api + "/api/v1/info"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(m.dir, "mailpit.log"))
			m.t.Fatalf("mailpit did not start: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Down stops the process: the SMTP port refuses connections until Up.
func (m *Mailpit) Down() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
	m.cmd = nil
}

// Summary is a received message as Mailpit lists it.
type Summary struct {
	ID      string
	Subject string
	To      []Address
	From    Address
}

// Address is a name and an e-mail address.
type Address struct {
	Name    string
	Address string
}

// Message is a received message in full.
type Message struct {
	ID          string
	Subject     string
	From        Address
	To          []Address
	Text        string
	Attachments []Part
}

// Part is an attachment of a Message.
type Part struct {
	PartID      string
	FileName    string
	ContentType string
}

func (m *Mailpit) get(path string, into any) {
	m.t.Helper()
	resp, err := http.Get(m.api + path)
	if err != nil {
		m.t.Fatalf("mailpit %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		m.t.Fatalf("mailpit %s: %d %s %v", path, resp.StatusCode, body, err)
	}
	if b, ok := into.(*[]byte); ok {
		*b = body
		return
	}
	if err := json.Unmarshal(body, into); err != nil {
		m.t.Fatalf("mailpit %s: %v", path, err)
	}
}

// Messages lists every message received, newest first.
func (m *Mailpit) Messages() []Summary {
	var out struct{ Messages []Summary }
	m.get("/api/v1/messages?limit=1000", &out)
	return out.Messages
}

// To lists the messages received for one address.
func (m *Mailpit) To(addr string) []Summary {
	var out []Summary
	for _, s := range m.Messages() {
		for _, a := range s.To {
			if a.Address == addr {
				out = append(out, s)
			}
		}
	}
	return out
}

// Message reads one message in full.
func (m *Mailpit) Message(id string) Message {
	var out Message
	m.get("/api/v1/message/"+url.PathEscape(id), &out)
	return out
}

// Part reads the bytes of one attachment.
func (m *Mailpit) Part(id, part string) []byte {
	var out []byte
	m.get("/api/v1/message/"+url.PathEscape(id)+"/part/"+url.PathEscape(part), &out)
	return out
}

// Port is the SMTP port as text.
func (m *Mailpit) Port() string { return strconv.Itoa(m.SMTPPort) }
