package server

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
)

// endGrace is how long a TUI gets to act on EndSessionMsg (show the reason,
// restore the terminal, quit) before its program is killed; killing also
// restores the terminal, only without the message.
const endGrace = 3 * time.Second

// registry knows every live session, so that shutdown, tenant suspension and
// the session limit can reach them.
type registry struct {
	mu       sync.Mutex
	sessions map[*liveSession]struct{}
	// Sessions of nobody known yet (login form, key-less command): in
	// total and per source address.
	anon       int
	anonByAddr map[netip.Addr]int
	changed    chan struct{} // closed and replaced whenever a session leaves
	gen        atomic.Uint64 // bumped on every tenant status notification
}

func newRegistry() *registry {
	return &registry{sessions: map[*liveSession]struct{}{}, anonByAddr: map[netip.Addr]int{}, changed: make(chan struct{})}
}

// sessionLimits are the registry's budgets (see admission.go).
type sessionLimits struct {
	max      int // sessions of anybody
	maxLogin int // of those, sessions of nobody known yet
	perAddr  int // sessions of nobody known yet from one source address
}

// add registers ls unless its budget is used up: max sessions in all, and
// for a session of nobody known yet, maxLogin of those and perAddr from its
// address.
func (r *registry) add(ls *liveSession, lim sessionLimits) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sessions) >= lim.max {
		return false
	}
	if ls.anon {
		if r.anon >= lim.maxLogin || r.anonByAddr[ls.addr] >= lim.perAddr {
			return false
		}
		r.countAnon(ls.addr, 1)
	}
	r.sessions[ls] = struct{}{}
	return true
}

func (r *registry) countAnon(addr netip.Addr, d int) {
	r.anon += d
	r.anonByAddr[addr] += d
	if r.anonByAddr[addr] <= 0 {
		delete(r.anonByAddr, addr)
	}
}

// isAnon tells whether ls is still a session of nobody known.
func (r *registry) isAnon(ls *liveSession) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return ls.anon
}

// identified moves ls out of the login budget: its user logged in.
func (r *registry) identified(ls *liveSession) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.sessions[ls]; ok && ls.anon {
		ls.anon = false
		r.countAnon(ls.addr, -1)
	}
}

func (r *registry) remove(ls *liveSession) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.sessions[ls]; ok && ls.anon {
		r.countAnon(ls.addr, -1)
	}
	delete(r.sessions, ls)
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *registry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sessions)
}

func (r *registry) snapshot(match func(*liveSession) bool) []*liveSession {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*liveSession
	for ls := range r.sessions {
		if match == nil || match(ls) {
			out = append(out, ls)
		}
	}
	return out
}

// endAll asks every live session to end with reason.
func (r *registry) endAll(reason string) {
	for _, ls := range r.snapshot(nil) {
		ls.end(reason)
	}
}

// endTenant asks the sessions of one clinic to end with reason.
func (r *registry) endTenant(schema, reason string) int {
	list := r.snapshot(func(ls *liveSession) bool { return ls.tenant == schema })
	for _, ls := range list {
		ls.end(reason)
	}
	return len(list)
}

// tenants lists the schemas that have live sessions.
func (r *registry) tenants() []string {
	seen := map[string]bool{}
	var out []string
	for _, ls := range r.snapshot(func(ls *liveSession) bool { return ls.tenant != "" }) {
		if !seen[ls.tenant] {
			seen[ls.tenant] = true
			out = append(out, ls.tenant)
		}
	}
	return out
}

// waitEmpty waits until no session is live or ctx is done.
func (r *registry) waitEmpty(ctx context.Context) error {
	for {
		r.mu.Lock()
		n, ch := len(r.sessions), r.changed
		r.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// liveSession is one SSH session (a TUI or a command) while it runs.
type liveSession struct {
	sess   ssh.Session
	tgt    *target
	rec    *connRecord // the connection's log record
	tenant string      // schema, "" for the panel
	addr   netip.Addr  // source address
	// anon: nobody known yet (login form, key-less command); guarded by
	// the registry's mutex once registered.
	anon bool
	// email of the user once known (key or login form), for the check of
	// deactivated accounts; guarded by mu.
	email  string
	ctx    context.Context
	cancel context.CancelCauseFunc

	lastInput atomic.Int64 // unix nanoseconds of the last byte the client typed

	login loginRecord // its row in the clinic's open sessions (logins.go)

	mu      sync.Mutex
	program *tea.Program
	endMsg  func(reason string) tea.Msg // the TUI's EndSessionMsg
	reason  string                      // why the server ended the session; "" while it runs
	result  string                      // what the session came to, for the log line
	timers  []*time.Timer
	idle    *time.Timer
}

// sessionEnded is the cancellation cause of a session the server ended.
type sessionEnded struct{ reason string }

func (e sessionEnded) Error() string { return e.reason }

func newLiveSession(sess ssh.Session, tgt *target) *liveSession {
	ctx, cancel := context.WithCancelCause(sess.Context())
	ls := &liveSession{sess: sess, tgt: tgt, ctx: ctx, cancel: cancel, addr: addrIP(sess.RemoteAddr()), anon: !tgt.identified()}
	if tgt.tenant != nil {
		ls.tenant = tgt.tenant.Info.Schema
	}
	if tgt.user != nil {
		ls.email = tgt.user.Email
	}
	ls.touch()
	return ls
}

func (ls *liveSession) touch() { ls.lastInput.Store(time.Now().UnixNano()) }

// setProgram attaches the TUI program; false if the session was ended
// before the program existed (then it must not start).
func (ls *liveSession) setProgram(p *tea.Program, endMsg func(string) tea.Msg) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.reason != "" {
		return false
	}
	ls.program = p
	ls.endMsg = endMsg
	return true
}

// endReason is why the server ended the session ("" if it did not).
func (ls *liveSession) endReason() string {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.reason
}

// end asks the session to finish with reason: a TUI gets EndSessionMsg (it
// shows the reason and restores the terminal) and is killed if it has not
// quit within endGrace; a command's context is cancelled.
func (ls *liveSession) end(reason string) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.reason != "" {
		return
	}
	ls.reason = reason
	p := ls.program
	if p == nil {
		ls.cancel(sessionEnded{reason})
		return
	}
	// Send blocks until the program takes the message; it returns when the
	// program ends (its context derives from ls.ctx), so this cannot leak.
	go p.Send(ls.endMsg(reason))
	ls.timers = append(ls.timers, time.AfterFunc(endGrace, func() { ls.cancel(sessionEnded{reason}) }))
}

// after runs f after d unless the session has ended by then.
func (ls *liveSession) after(d time.Duration, f func()) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.timers = append(ls.timers, time.AfterFunc(d, f))
}

func (ls *liveSession) setEmail(email string) {
	ls.mu.Lock()
	ls.email = email
	ls.mu.Unlock()
}

func (ls *liveSession) userEmail() string {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.email
}

// startIdle logs the session out after d without input.
func (ls *liveSession) startIdle(d time.Duration, reason string) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.idle = time.AfterFunc(d, func() { ls.checkIdle(d, reason) })
}

func (ls *liveSession) checkIdle(d time.Duration, reason string) {
	rest := d - time.Since(time.Unix(0, ls.lastInput.Load()))
	if rest > 0 {
		ls.mu.Lock()
		if ls.idle != nil {
			ls.idle.Reset(rest)
		}
		ls.mu.Unlock()
		return
	}
	ls.end(reason)
}

// stop releases the session's timers and context (the handler returned).
func (ls *liveSession) stop() {
	ls.mu.Lock()
	if ls.idle != nil {
		ls.idle.Stop()
		ls.idle = nil
	}
	for _, t := range ls.timers {
		t.Stop()
	}
	ls.timers = nil
	ls.mu.Unlock()
	ls.cancel(context.Canceled)
}

// activityReader feeds the TUI the client's input and notes when the user
// last typed, for the idle logout.
type activityReader struct {
	r  interface{ Read([]byte) (int, error) }
	ls *liveSession
}

func (a activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.ls.touch()
	}
	return n, err
}
