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

// Open sessions (store/logins.go): the server records each session of a
// staff user or an operator it holds once its user is known, refreshes the rows every store.LoginRefresh
// and removes them when the session ends. When somebody ends one
// (store.EndLogin notifies the clinic's status channel), the server holding
// it closes it with the name of who ended it.

// reasonEndedByPrefix starts the reason of a session ended by a person; the
// name follows. Commands print it as it is; the TUI says it in the user's
// language (endSessionMsg).
const reasonEndedByPrefix = "session ended by "

// loginRecord is a session's row in its open sessions (the clinic's, or
// the panel's for an operator).
type loginRecord struct {
	mu     sync.Mutex
	book   store.LoginBook
	id     int64
	closed bool
}

// newServerID names this server process in the rows it writes.
func newServerID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// loginBook is where ls's session is recorded: the panel's or its clinic's;
// false for a session of neither.
func (s *Server) loginBook(ls *liveSession) (store.LoginBook, bool) {
	switch {
	case ls.tgt.panel:
		return s.db.OperatorLoginBook(), true
	case ls.tgt.tenant != nil:
		return ls.tgt.tenant.LoginBook(), true
	}
	return store.LoginBook{}, false
}

// openLogin records ls as an open session (TUI or command) of the account
// with id accountID: a staff user of its clinic, or an operator. fp, when
// not "", is the fingerprint of the key that identified the account: its
// use and the account's login are recorded in the same transaction. A
// failure is logged: the session goes on, unlisted.
func (s *Server) openLogin(ls *liveSession, accountID int64, fp string) {
	book, ok := s.loginBook(ls)
	if !ok {
		return
	}
	door := store.DoorCommand
	if _, _, pty := ls.sess.Pty(); pty && len(ls.sess.Command()) == 0 {
		door = store.DoorTUI
	}
	ls.login.mu.Lock()
	defer ls.login.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ls.ctx), 10*time.Second)
	defer cancel()
	if ls.login.closed || ls.login.id != 0 {
		if fp != "" {
			// Over before it was listed: the login itself still counts.
			s.recordKeyUse(ctx, ls, accountID)
		}
		return
	}
	var (
		id  int64
		err error
	)
	if fp != "" {
		id, err = book.OpenByKey(ctx, accountID, fp, door, ls.tgt.remote, s.serverID)
	} else {
		id, err = book.Open(ctx, accountID, door, ls.tgt.remote, s.serverID)
	}
	if err != nil {
		s.log.Error("open login", "tenant", ls.tenant, "account", accountID, "err", err)
		return
	}
	ls.login.book, ls.login.id = book, id
}

// recordKeyLogin records the login of the user or operator the session's key
// identified: the key's last use and the account's last login, with the
// open session. A failure is logged: the session goes on.
func (s *Server) recordKeyLogin(ls *liveSession) {
	switch tgt := ls.tgt; {
	case tgt.user != nil:
		s.openLogin(ls, tgt.user.ID, tgt.fp)
	case tgt.operator != nil:
		s.openLogin(ls, tgt.operator.ID, tgt.fp)
	}
}

// recordKeyUse records only the key's last use and the account's last
// login (a session closed before its row was made).
func (s *Server) recordKeyUse(ctx context.Context, ls *liveSession, accountID int64) {
	var err error
	switch tgt := ls.tgt; {
	case tgt.user != nil:
		err = tgt.tenant.KeyLogin(ctx, accountID, tgt.fp)
	case tgt.operator != nil:
		err = s.db.OperatorKeyLogin(ctx, accountID, tgt.fp)
	}
	if err != nil {
		s.log.Error("record key login", "tenant", ls.tenant, "account", accountID, "err", err)
	}
}

// openLoginByEmail records the session of a user or operator who logged in
// through the login form.
func (s *Server) openLoginByEmail(ls *liveSession, email string) {
	ctx, cancel := context.WithTimeout(ls.ctx, 10*time.Second)
	defer cancel()
	var id int64
	switch {
	case ls.tgt.panel:
		op, err := s.db.OperatorByEmail(ctx, email)
		if err != nil {
			s.log.Error("open login", "panel", true, "operator", email, "err", err)
			return
		}
		id = op.ID
	case ls.tgt.tenant != nil:
		u, err := ls.tgt.tenant.UserByEmail(ctx, store.System, email)
		if err != nil {
			s.log.Error("open login", "tenant", ls.tenant, "user", email, "err", err)
			return
		}
		id = u.ID
	default:
		return
	}
	s.openLogin(ls, id, "")
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
	if err := ls.login.book.Close(ctx, ls.login.id); err != nil {
		s.log.Error("close login", "tenant", ls.tenant, "login", ls.login.id, "err", err)
	}
}

// loginID is the session's open-session id, 0 while none is recorded.
func (ls *liveSession) loginID() int64 {
	ls.login.mu.Lock()
	defer ls.login.mu.Unlock()
	return ls.login.id
}

// endEndedLogins ends the sessions, among live (all recorded in book),
// that somebody ended.
func (s *Server) endEndedLogins(ctx context.Context, book store.LoginBook, live []*liveSession) {
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
	ended, err := book.Ended(ctx, ids)
	if err != nil {
		s.log.Error("ended logins", "tenant", live[0].tenant, "err", err)
		return
	}
	for id, by := range ended {
		byID[id].end(reasonEndedByPrefix + by)
		s.log.Info("session ended by a user", "tenant", live[0].tenant, "panel", live[0].tgt.panel, "login", id, "by", by)
	}
}

// panelLoginsChanged ends the live panel sessions an operator ended.
func (s *Server) panelLoginsChanged(ctx context.Context) {
	live := s.reg.snapshot(func(ls *liveSession) bool { return ls.tgt.panel })
	if len(live) == 0 {
		return
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s.endEndedLogins(qctx, s.db.OperatorLoginBook(), live)
}

// refreshLogins marks this server's open sessions as held, with their last
// input, book by book (each clinic's, and the panel's).
func (s *Server) refreshLogins(ctx context.Context) error {
	held := map[string][]store.LoginActivity{}
	books := map[string]store.LoginBook{}
	for _, ls := range s.reg.snapshot(nil) {
		ls.login.mu.Lock()
		id, book := ls.login.id, ls.login.book
		ls.login.mu.Unlock()
		if id == 0 {
			continue
		}
		key := ls.tenant
		if ls.tgt.panel {
			key = store.PanelStatusNotice
		}
		last := time.Unix(0, ls.lastInput.Load())
		held[key] = append(held[key], store.LoginActivity{ID: id, Last: last})
		books[key] = book
	}
	var errs []error
	for key, list := range held {
		if err := books[key].Refresh(ctx, list); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// endedByName is who ended the session, if a person did.
func endedByName(reason string) (string, bool) {
	return strings.CutPrefix(reason, reasonEndedByPrefix)
}
