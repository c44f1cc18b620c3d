package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"consultorio/store"
)

// Open sessions (store/logins.go): the server records each staff session it
// holds once its user is known, refreshes the rows every store.LoginRefresh
// and removes them when the session ends. When somebody ends one
// (store.EndLogin notifies the clinic's status channel), the server holding
// it closes it with the name of who ended it.

// reasonEndedByPrefix starts the reason of a session ended by a person; the
// name follows. Commands print it as it is; the TUI says it in the user's
// language (endSessionMsg).
const reasonEndedByPrefix = "session ended by "

// loginRecord is a session's row in the clinic's open sessions.
type loginRecord struct {
	mu     sync.Mutex
	id     int64
	closed bool
}

// newServerID names this server process in the rows it writes.
func newServerID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// openLogin records ls as an open session of u (TUI or command) in its
// clinic. A failure is logged: the session goes on, unlisted.
func (s *Server) openLogin(ls *liveSession, u *store.User) {
	tn := ls.tgt.tenant
	if tn == nil || u == nil {
		return
	}
	door := store.DoorCommand
	if _, _, pty := ls.sess.Pty(); pty && len(ls.sess.Command()) == 0 {
		door = store.DoorTUI
	}
	ls.login.mu.Lock()
	defer ls.login.mu.Unlock()
	if ls.login.closed || ls.login.id != 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ls.ctx), 10*time.Second)
	defer cancel()
	id, err := tn.OpenLogin(ctx, u.ID, door, ls.tgt.remote, s.serverID)
	if err != nil {
		s.log.Error("open login", "tenant", tn.Info.Schema, "user", u.Email, "err", err)
		return
	}
	ls.login.id = id
}

// openLoginByEmail records the session of a user who logged in through the
// login form.
func (s *Server) openLoginByEmail(ls *liveSession, email string) {
	tn := ls.tgt.tenant
	if tn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ls.ctx, 10*time.Second)
	defer cancel()
	u, err := tn.UserByEmail(ctx, store.System, email)
	if err != nil {
		s.log.Error("open login", "tenant", tn.Info.Schema, "user", email, "err", err)
		return
	}
	s.openLogin(ls, u)
}

// closeLogin removes the session's row (the session ended).
func (s *Server) closeLogin(ls *liveSession) {
	ls.login.mu.Lock()
	defer ls.login.mu.Unlock()
	ls.login.closed = true
	if ls.login.id == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ls.ctx), 10*time.Second)
	defer cancel()
	if err := ls.tgt.tenant.CloseLogin(ctx, ls.login.id); err != nil {
		s.log.Error("close login", "tenant", ls.tenant, "login", ls.login.id, "err", err)
	}
}

// loginID is the session's open-session id, 0 while none is recorded.
func (ls *liveSession) loginID() int64 {
	ls.login.mu.Lock()
	defer ls.login.mu.Unlock()
	return ls.login.id
}

// endEndedLogins ends the sessions, among live, that somebody ended.
func (s *Server) endEndedLogins(ctx context.Context, tn *store.Tenant, live []*liveSession) {
	byID := map[int64]*liveSession{}
	var ids []int64
	for _, ls := range live {
		if id := ls.loginID(); id != 0 {
			byID[id] = ls
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	ended, err := tn.EndedLogins(ctx, ids)
	if err != nil {
		s.log.Error("ended logins", "tenant", tn.Info.Schema, "err", err)
		return
	}
	for id, by := range ended {
		byID[id].end(reasonEndedByPrefix + by)
		s.log.Info("session ended by a user", "tenant", tn.Info.Schema, "login", id, "by", by)
	}
}

// refreshLogins marks this server's open sessions as held, with their last
// input, clinic by clinic.
func (s *Server) refreshLogins(ctx context.Context) error {
	held := map[string][]store.LoginActivity{}
	tenants := map[string]*store.Tenant{}
	for _, ls := range s.reg.snapshot(func(ls *liveSession) bool { return ls.tgt.tenant != nil }) {
		if id := ls.loginID(); id != 0 {
			last := time.Unix(0, ls.lastInput.Load())
			held[ls.tenant] = append(held[ls.tenant], store.LoginActivity{ID: id, Last: last})
			tenants[ls.tenant] = ls.tgt.tenant
		}
	}
	var errs []error
	for schema, list := range held {
		if err := tenants[schema].RefreshLogins(ctx, list); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// endedByName is who ended the session, if a person did.
func endedByName(reason string) (string, bool) {
	return strings.CutPrefix(reason, reasonEndedByPrefix)
}
