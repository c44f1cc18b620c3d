package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/tui/i18n"
)

// Messages a client may see before any screen. "no such clinic" is the same
// for every name that is not a live clinic, so probing reveals nothing.
const (
	msgNoSuchClinic = "no such clinic"
	msgNoCommand    = "this needs a terminal (ssh -t) or a command; try the command: help"
	msgInternal     = "internal error; the incident was logged"
	reasonIdle      = "logged out after a period without activity"
	reasonGone      = "this clinic is no longer available"
	// Reasons the TUI and commands show in the user's language
	// (endSessionMsg, endText).
	reasonLoginTimeout = "login not completed in time"
	reasonDeactivated  = "user deactivated"
)

// sessionLang is the language to talk to a session in before its screen
// does: the user's if known, else what the client's locale says (OpenSSH
// sends LANG and LC_* by default), else the clinic's, else Spanish.
func sessionLang(sess ssh.Session, tgt *target) i18n.Lang {
	if tgt != nil && tgt.user != nil && tgt.user.Lang != "" {
		return i18n.ParseLang(tgt.user.Lang)
	}
	env := map[string]string{}
	for _, kv := range sess.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	// POSIX precedence: the first set of LC_ALL, LC_MESSAGES, LANG.
	locale := cmp.Or(env["LC_ALL"], env["LC_MESSAGES"], env["LANG"])
	switch l := strings.ToLower(locale); {
	case strings.HasPrefix(l, "en"):
		return i18n.EN
	case strings.HasPrefix(l, "es"):
		return i18n.ES
	}
	if tgt != nil && tgt.tenant != nil {
		return i18n.ParseLang(tgt.tenant.Info.Lang)
	}
	return i18n.ES
}

// target is where a session goes and who it is, as established after the
// handshake from the user name, the listener address and the signing key.
type target struct {
	panel  bool
	tenant *store.Tenant
	user   *store.User // staff user identified by key (nil: login form)
	// userSecondFactor: the clinic's policy asks user for a second factor
	// (read with the user, once: the TUI's first frame waits for no more).
	userSecondFactor bool
	operator         *store.Operator // operator identified by key (nil: login form)
	key              ssh.PublicKey   // the key that signed, nil without one
	fp               string
	remote           string
}

func (t *target) identified() bool { return t.user != nil || t.operator != nil }

// refusal ends a session before it starts, with a message and exit 1.
type refusal struct {
	msg     string
	ttyMsg  string // for a person at a terminal, if different (localized)
	outcome string
	failure bool // counts as a failed attempt of the source address
}

func (r *refusal) Error() string { return r.msg }

// sessionMiddleware runs first for every session: it contains panics,
// resolves the target and identity, registers the session (limit,
// suspension, shutdown) and notes it in the connection's log line.
func (s *Server) sessionMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		rec := recordOf(sess.Context())
		rec.set(func(r *connRecord) { r.sessions++ })
		if rec.conn != nil {
			rec.conn.sessionStarted()
			defer rec.conn.sessionEnded()
		}
		outcome := "ok"
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic in ssh session", "remote", sess.RemoteAddr().String(), "panic", v, "stack", string(debug.Stack()))
				outcome = "panic"
				rec.set(func(r *connRecord) { r.outcome = outcome })
				fmt.Fprintln(sess.Stderr(), msgInternal)
				_ = sess.Exit(1)
			}
			rec.set(func(r *connRecord) { r.outcome = outcome })
		}()

		if s.closing.Load() {
			outcome = s.refuse(sess, rec, &refusal{msg: reasonShutdown + "; try again in a moment", outcome: "refused: shutting down"})
			return
		}
		gen := s.reg.gen.Load()
		tgt, err := s.resolve(sess)
		if err != nil {
			outcome = s.refuse(sess, rec, err)
			return
		}
		rec.set(func(r *connRecord) {
			r.key = tgt.fp
			switch {
			case tgt.panel:
				r.tenant = "panel"
			case tgt.tenant != nil:
				r.tenant = tgt.tenant.Info.Schema
			}
			if tgt.user != nil {
				r.user = tgt.user.Email
			} else if tgt.operator != nil {
				r.user = tgt.operator.Email
			}
		})

		ls := newLiveSession(sess, tgt)
		ls.rec = rec
		defer ls.stop()
		lim := sessionLimits{max: s.cfg.MaxSessions, maxLogin: s.cfg.MaxLoginSessions, perAddr: s.cfg.MaxPerAddress}
		if !s.reg.add(ls, lim) {
			busy := i18n.For(sessionLang(sess, tgt)).Errors.Busy
			outcome = s.refuse(sess, rec, &refusal{msg: busy, outcome: "refused: busy"})
			return
		}
		defer s.reg.remove(ls)
		if ls.anon {
			ls.after(s.cfg.LoginTimeout, func() {
				if s.reg.isAnon(ls) {
					ls.end(reasonLoginTimeout)
				}
			})
		}
		// A suspension notified while the tenant was being resolved would
		// have missed this session: look again.
		if tgt.tenant != nil && s.reg.gen.Load() != gen {
			if err := s.checkTenantOpen(ls.ctx, tgt.tenant); err != nil {
				outcome = s.refuse(sess, rec, err)
				return
			}
		}
		s.live.Store(sess, ls)
		defer s.live.Delete(sess)
		if tgt.identified() {
			s.metrics.Login(true)
			if hasPty(sess) && noCommand(sess) { // a terminal session
				// The first frame does not wait for the login's records
				// (writes that wait for the disk): they are written
				// alongside, as after a login by e-mail. closeLogin takes
				// the open session's lock, so it either closes the row or,
				// first, stops it being made.
				go s.recordKeyLogin(ls)
			} else {
				// A command may be over before records made alongside
				// would exist: record first.
				s.recordKeyLogin(ls)
			}
		}
		defer s.closeLogin(ls)

		next(sess)

		// A session the server ended did not finish normally: exit status
		// 1 (a command's is set already; this is the TUI's).
		if reason := ls.endReason(); reason != "" {
			outcome = "ended: " + reason
			_ = sess.Exit(1)
		} else if o := ls.outcome(); o != "" {
			outcome = o
		}
	}
}

// refuse prints the refusal on stderr, exits 1 and returns the log outcome
// (recorded first: the client may hang up, and the line be written, as soon
// as it has the exit status).
func (s *Server) refuse(sess ssh.Session, rec *connRecord, err error) string {
	var r *refusal
	if !errors.As(err, &r) {
		s.log.Error("ssh session", "remote", sess.RemoteAddr().String(), "err", err)
		r = &refusal{msg: msgInternal, outcome: "error"}
	}
	if r.failure {
		s.limiter.fail(addrIP(sess.RemoteAddr()))
	}
	msg := r.msg
	if _, _, tty := sess.Pty(); tty && noCommand(sess) && r.ttyMsg != "" {
		msg = r.ttyMsg
	}
	rec.set(func(c *connRecord) { c.outcome = r.outcome })
	fmt.Fprintln(sess.Stderr(), msg)
	_ = sess.Exit(1)
	return r.outcome
}

// resolve routes the session (PRODUCT.md §3) and identifies the user by the
// key that signed: "panel" is the operator panel; otherwise the user name is a
// tenant schema, domain or a domain's first label; else the domain mapped to
// the listener address the client connected to; else, with a key registered
// in exactly one clinic, that clinic.
func (s *Server) resolve(sess ssh.Session) (*target, error) {
	ctx := sess.Context()
	pk, fp := s.verifiedKey(sess)
	tgt := &target{key: pk, fp: fp, remote: sess.RemoteAddr().String()}
	name := strings.ToLower(strings.TrimSpace(sess.User()))

	if name == "panel" {
		tgt.panel = true
		if fp != "" {
			op, err := s.db.OperatorByKey(ctx, fp)
			switch {
			case err == nil:
				tgt.operator = op
			case !errors.Is(err, store.ErrNotFound):
				return nil, fmt.Errorf("operator by key: %w", err)
			}
		}
		return tgt, nil
	}

	tn, err := s.db.ResolveTenant(ctx, name)
	if errors.Is(err, store.ErrNoSuchTenant) && sess.LocalAddr() != nil {
		if domain, ok := s.domains[addrKey(sess.LocalAddr().String())]; ok {
			tn, err = s.db.ResolveTenant(ctx, domain)
		}
	}
	if errors.Is(err, store.ErrNoSuchTenant) && fp != "" {
		schemas, kerr := s.db.TenantsForKey(ctx, fp)
		if kerr != nil {
			return nil, kerr
		}
		if len(schemas) == 1 {
			tn, err = s.db.Tenant(ctx, schemas[0])
		}
	}
	if errors.Is(err, store.ErrNoSuchTenant) {
		return nil, &refusal{msg: msgNoSuchClinic, outcome: "no such clinic", failure: true}
	}
	if err != nil {
		return nil, err
	}
	tgt.tenant = tn
	suspended := &refusal{msg: store.ErrTenantSuspended.Error(), ttyMsg: suspendedText(tn), outcome: "refused: suspended"}
	if tn.Info.Status == store.TenantSuspended {
		return nil, suspended
	}
	if fp != "" {
		// The clinic's status was just read with it: not again.
		id, err := tn.IdentifyKey(ctx, fp)
		switch {
		case err == nil:
			tgt.user, tgt.userSecondFactor = id.User, id.SecondFactor
		case errors.Is(err, store.ErrTenantSuspended):
			return nil, suspended
		case errors.Is(err, store.ErrNoSuchTenant):
			return nil, &refusal{msg: msgNoSuchClinic, outcome: "no such clinic", failure: true}
		case !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("user by key: %w", err)
		}
	}
	return tgt, nil
}

// checkTenantOpen reloads the tenant's status and refuses a suspended or
// removed clinic.
func (s *Server) checkTenantOpen(ctx context.Context, tn *store.Tenant) error {
	fresh, err := s.db.Tenant(ctx, tn.Info.Schema)
	switch {
	case errors.Is(err, store.ErrNoSuchTenant):
		return &refusal{msg: msgNoSuchClinic, outcome: "no such clinic"}
	case err != nil:
		return err
	case fresh.Info.Status == store.TenantSuspended:
		return &refusal{msg: store.ErrTenantSuspended.Error(), ttyMsg: suspendedText(fresh), outcome: "refused: suspended"}
	}
	return nil
}

func (s *Server) liveOf(sess ssh.Session) *liveSession {
	v, ok := s.live.Load(sess)
	if !ok {
		panic("server: session without registration") // middleware order broken
	}
	return v.(*liveSession)
}

// splitMiddleware sends sessions with a command (or without a terminal) to
// the scripted commands; only terminal sessions without a command go on to
// the Bubble Tea middleware, which would end the others.
func (s *Server) splitMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		_, _, isPty := sess.Pty()
		if isPty && noCommand(sess) {
			next(sess)
			return
		}
		ls := s.liveOf(sess)
		code := s.runCommand(ls)
		_ = sess.Exit(code)
	}
}

// noCommand tells whether the client asked for no command (an interactive
// session): a command line that splits into no argument. A command line
// that does not split is a command, refused as such.
func noCommand(sess ssh.Session) bool {
	args, err := splitCommandLine(sess.RawCommand())
	return err == nil && len(args) == 0
}

// hasPty tells whether the client asked for a terminal (ssh -t).
func hasPty(sess ssh.Session) bool {
	_, _, ok := sess.Pty()
	return ok
}

// runCommand runs the session's command line and returns its exit status.
// A session ended by the server (suspension, shutdown) stops at once with the
// reason on stderr.
func (s *Server) runCommand(ls *liveSession) int {
	sess := ls.sess
	args, err := splitCommandLine(sess.RawCommand())
	if err != nil {
		fmt.Fprintln(sess.Stderr(), err)
		ls.setOutcome("usage: command line")
		return 2
	}
	if len(args) == 0 {
		fmt.Fprintln(sess.Stderr(), msgNoCommand)
		ls.setOutcome("usage: no command")
		return 2
	}
	out := &gateWriter{w: sess}
	errw := &gateWriter{w: sess.Stderr()}
	env := &cmd.Env{
		DB:         s.db,
		Tenant:     ls.tgt.tenant,
		User:       ls.tgt.user,
		Operator:   ls.tgt.operator,
		RemoteAddr: ls.tgt.remote,
		LoginID:    ls.loginID(),
		Stdin:      sess,
		Stdout:     out,
		Stderr:     errw,
		SSHLine:    s.sshLine,
		Log:        s.log.With("remote", ls.tgt.remote),
		Terminal:   hasPty(sess),
	}
	scope := cmd.Clinic
	if ls.tgt.panel {
		scope = cmd.Panel
	}
	if args[0] != "help" {
		if msg, refused := s.secondFactorGate(ls); refused {
			fmt.Fprintln(sess.Stderr(), msg)
			ls.setOutcome("refused: second factor required")
			return 1
		}
	}
	done := make(chan cmd.Result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic in ssh command", "command", args[0], "remote", ls.tgt.remote, "panic", v, "stack", string(debug.Stack()))
				fmt.Fprintln(errw, msgInternal)
				done <- cmd.Result{Code: 1, Err: errors.New("panic")}
			}
		}()
		done <- s.apps.commands(ls.ctx, env, scope, args)
	}()
	select {
	case res := <-done:
		if reason := ls.endReason(); reason != "" {
			// Ended by the server as it finished (both were ready): still
			// not a success a script may rely on.
			ls.setOutcome("ended: " + reason)
			fmt.Fprintln(sess.Stderr(), endText(sessionLang(sess, ls.tgt), reason))
			return 1
		}
		if errors.Is(res.Err, cmd.ErrAuthRequired) {
			s.limiter.fail(addrIP(sess.RemoteAddr()))
			ls.setOutcome("refused: authentication required")
		} else {
			ls.setOutcome(commandOutcome(args[0], res.Code))
		}
		return res.Code
	case <-ls.ctx.Done():
		// Silence the command, say why, and let it unwind: its context is
		// cancelled and its stdin closes with the session.
		out.close()
		errw.close()
		reason := ls.endReason()
		if reason == "" {
			reason = "session closed"
		}
		ls.setOutcome("ended: " + reason)
		fmt.Fprintln(sess.Stderr(), endText(sessionLang(sess, ls.tgt), reason))
		_ = sess.Exit(1)
		<-done
		return 1
	}
}

func commandOutcome(name string, code int) string {
	if code == 0 {
		return "command " + name + ": ok"
	}
	return "command " + name + ": exit " + strconv.Itoa(code)
}

// TermWantsASCII tells whether a client's TERM (from its PTY request)
// asks for ASCII mode: DEC's terminals, a dumb line, the Linux console
// (whose font lacks most box-drawing and marker glyphs).
func TermWantsASCII(term string) bool {
	switch strings.ToLower(strings.TrimSpace(term)) {
	case "vt100", "vt102", "vt220", "dumb", "linux":
		return true
	}
	return false
}

// programHandler creates the TUI program of a terminal session.
func (s *Server) programHandler(sess ssh.Session) *tea.Program {
	ls := s.liveOf(sess)
	pty, _, _ := sess.Pty()
	dark := darkBackground(sess.Environ())
	ascii := TermWantsASCII(pty.Term)
	// The login form's attempts count against the source address, with
	// its failed SSH authentications; a form login names the user in the
	// connection's log line.
	lim := addrLimiter{l: s.limiter, addr: addrIP(sess.RemoteAddr())}
	onLogin := func(email string) {
		// Logged in: out of the login budget and its timeout, and known
		// for the deactivation check.
		s.reg.identified(ls)
		s.metrics.Login(true)
		ls.setEmail(email)
		if ls.rec != nil {
			ls.rec.set(func(r *connRecord) { r.user = email })
		}
		go s.openLoginByEmail(ls, email)
	}
	var model tea.Model
	if ls.tgt.panel {
		model = s.apps.panel(ls.ctx, panelParams{
			DB: s.db, Operator: ls.tgt.operator, RemoteAddr: ls.tgt.remote, OfferKey: ls.offerKey(),
			Width: pty.Window.Width, Height: pty.Window.Height, DarkBackground: dark, ASCII: ascii,
			Limiter: lim, OnLogin: onLogin, KeyFingerprint: ls.tgt.fp, SecondFactor: s.needsSecondFactor(ls),
			SSHLine: s.sshLine,
			Log:     s.log,
			LoginID: ls.loginID,
		})
	} else {
		model = s.apps.clinic(ls.ctx, clinicParams{
			Tenant: ls.tgt.tenant, User: ls.tgt.user, RemoteAddr: ls.tgt.remote, OfferKey: ls.offerKey(),
			Width: pty.Window.Width, Height: pty.Window.Height, DarkBackground: dark, ASCII: ascii,
			Limiter: lim, OnLogin: onLogin, KeyFingerprint: ls.tgt.fp, SecondFactor: s.needsSecondFactor(ls),
			SSHLine: s.sshLine,
			LoginID: ls.loginID,
			Log:     s.log,
		})
	}
	opts := append(bm.MakeOptions(sess),
		tea.WithInput(activityReader{r: sess, ls: ls}),
		// The server quits sessions itself (shutdown, suspension, idle):
		// a program must not react to the server process's signals.
		tea.WithoutSignalHandler(),
		tea.WithFPS(s.cfg.FPS),
		tea.WithContext(ls.ctx),
	)
	p := tea.NewProgram(model, opts...)
	if !ls.setProgram(p, s.apps.end) {
		fmt.Fprintln(sess.Stderr(), ls.endReason())
		_ = sess.Exit(1)
		return nil
	}
	ls.startIdle(s.cfg.IdleTimeout, reasonIdle)
	if ls.tgt.tenant != nil {
		s.forwardChanges(ls, p, ls.tgt.tenant.Info.ID)
	}
	ls.setOutcome("tui")
	return p
}

func (ls *liveSession) offerKey() string {
	if ls.tgt.key == nil {
		return ""
	}
	return authorizedKeyLine(ls.tgt.key)
}

// darkBackground guesses the background from COLORFGBG ("15;0": light text on
// black) when the client sends it; dark otherwise, as most terminals are. The
// TUI refines it by asking the terminal (tea.RequestBackgroundColor).
func darkBackground(environ []string) bool {
	for _, kv := range environ {
		v, ok := strings.CutPrefix(kv, "COLORFGBG=")
		if !ok {
			continue
		}
		parts := strings.Split(v, ";")
		bg, err := strconv.Atoi(parts[len(parts)-1])
		if err != nil {
			return true
		}
		return bg < 7 || bg == 8
	}
	return true
}

// gateWriter stops passing writes once closed, so a cancelled command cannot
// interleave output with the reason the session ended.
type gateWriter struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (g *gateWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return 0, io.ErrClosedPipe
	}
	return g.w.Write(p)
}

func (g *gateWriter) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// setOutcome notes what the session came to, for the connection's log line.
// It goes to the record at once: the client may hang up, and the line be
// written, as soon as it has the exit status.
func (ls *liveSession) setOutcome(o string) {
	ls.mu.Lock()
	ls.result = o
	ls.mu.Unlock()
	if ls.rec != nil {
		ls.rec.set(func(r *connRecord) { r.outcome = o })
	}
}

func (ls *liveSession) outcome() string {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.result
}
