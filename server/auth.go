package server

import (
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/tui/i18n"
)

// extFingerprint is the permissions extension holding the SHA256 fingerprint
// of the key a public-key callback accepted. The SSH library keeps the
// permissions of the key that actually signed, so this is bound to the
// authenticating key; the session middleware still compares it with
// s.PublicKey() before trusting it.
const extFingerprint = "consultorio-key-fp"

// publicKeyAuth accepts any key: who the key belongs to is decided after the
// handshake, from the key that really signed. A key nobody registered gets the
// login form, and may be registered after the login. Nothing here may record
// an identity in the connection context: this callback also runs for keys the
// client only offers and never proves it holds.
func (s *Server) publicKeyAuth(ctx ssh.Context, key ssh.PublicKey) bool {
	if key == nil || s.limiter.blocked(addrIP(ctx.RemoteAddr())) {
		return false
	}
	perms := ctx.Permissions()
	if perms.Extensions == nil {
		perms.Extensions = map[string]string{}
	}
	perms.Extensions[extFingerprint] = gossh.FingerprintSHA256(key)
	return true
}

// keyboardInteractiveAuth asks nothing: it lets clients without a key in,
// and they get the login form (a scripted command without a known key is
// refused later).
func (s *Server) keyboardInteractiveAuth(ctx ssh.Context, _ gossh.KeyboardInteractiveChallenge) bool {
	return !s.limiter.blocked(addrIP(ctx.RemoteAddr()))
}

// verifiedKey returns the key the client authenticated with and its
// fingerprint, or nils when it authenticated without a key. The fingerprint
// recorded by the callback must match the session's key: anything else means
// the identity is not bound to the signing key, and no key is trusted.
func (s *Server) verifiedKey(sess ssh.Session) (ssh.PublicKey, string) {
	pk := sess.PublicKey()
	if pk == nil {
		return nil, ""
	}
	fp := gossh.FingerprintSHA256(pk)
	perms := sess.Permissions()
	if perms.Permissions == nil || perms.Extensions[extFingerprint] != fp {
		s.log.Warn("ssh key fingerprint mismatch: ignoring the key", "remote", sess.RemoteAddr().String())
		return nil, ""
	}
	return pk, fp
}

// authorizedKeyLine renders a key as an authorized_keys line.
func authorizedKeyLine(pk ssh.PublicKey) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk)))
}

// connRecord gathers what the one log line of a connection says.
type connRecord struct {
	start  time.Time
	remote string
	conn   *connState // admission: live sessions, the wait timer

	mu       sync.Mutex
	tenant   string
	user     string
	key      string
	outcome  string
	sessions int
}

func (r *connRecord) set(f func(r *connRecord)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r)
}

type connRecordKey struct{}

func recordOf(ctx ssh.Context) *connRecord {
	if r, ok := ctx.Value(connRecordKey{}).(*connRecord); ok {
		return r
	}
	return &connRecord{start: time.Now()} // not reached: every connection gets one
}

// connCallback admits a TCP connection: refused while shutting down or
// beyond the waiting connections allowed for its address or in all
// (admission.go). Handshakes cost CPU, so these are closed before any; the
// friendly "busy" message comes later, per session. A blocked address is let
// through to the banner, which says why its authentication fails.
func (s *Server) connCallback(ctx ssh.Context, conn net.Conn) net.Conn {
	remote := conn.RemoteAddr().String()
	refuse := func(outcome string) net.Conn {
		s.log.Info("ssh connection", "remote", remote, "duration", time.Duration(0), "outcome", outcome)
		return nil
	}
	if s.closing.Load() {
		return refuse("refused: shutting down")
	}
	addr := addrIP(conn.RemoteAddr())
	if ok, reason := s.waiting.admit(addr); !ok {
		return refuse(reason)
	}
	s.conns.Add(1)
	rec := &connRecord{start: time.Now(), remote: remote, outcome: "no session"}
	if s.limiter.blocked(addr) {
		// Its authentication will fail (the banner says why); the
		// library closes the connection before reporting the failure.
		rec.outcome = "refused: too many failed attempts"
	}
	lc := &loggedConn{Conn: conn, rec: rec, srv: s}
	rec.conn = &connState{srv: s, addr: addr, closeFn: lc.Close}
	rec.conn.mu.Lock()
	rec.conn.armLocked()
	rec.conn.mu.Unlock()
	ctx.SetValue(connRecordKey{}, rec)
	s.handshakes.Store(remote, lc)
	return lc
}

// banner is shown by SSH clients before authentication: the one place a
// blocked address can be told why it gets no further. Nobody's language is
// known yet: Spanish first, then English.
func (s *Server) banner(ctx ssh.Context) string {
	if !s.limiter.blocked(addrIP(ctx.RemoteAddr())) {
		return ""
	}
	return i18n.For(i18n.ES).Errors.RateLimited + "\r\n" + i18n.For(i18n.EN).Errors.RateLimited + "\r\n"
}

// connFailed notes a failed handshake; an authentication failure counts
// against the source address.
func (s *Server) connFailed(conn net.Conn, err error) {
	v, ok := s.handshakes.Load(conn.RemoteAddr().String())
	if !ok {
		return
	}
	lc := v.(*loggedConn)
	var authErr *gossh.ServerAuthError
	outcome := "handshake failed"
	if errors.As(err, &authErr) || strings.Contains(err.Error(), "no auth passed") {
		outcome = "authentication failed"
		s.limiter.fail(addrIP(conn.RemoteAddr()))
	}
	lc.rec.set(func(r *connRecord) { r.outcome = outcome })
}

// loggedConn writes the connection's log line when it closes.
type loggedConn struct {
	net.Conn
	rec  *connRecord
	srv  *Server
	once sync.Once
}

func (c *loggedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.rec.conn.connClosed()
		c.srv.conns.Add(-1)
		c.srv.handshakes.Delete(c.rec.remote)
		r := c.rec
		r.mu.Lock()
		defer r.mu.Unlock()
		c.srv.log.Info("ssh connection",
			"remote", r.remote, "tenant", r.tenant, "user", r.user, "key", r.key,
			"duration", time.Since(r.start).Round(time.Millisecond), "sessions", r.sessions, "outcome", r.outcome)
	})
	return err
}
