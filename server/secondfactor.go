package server

import (
	"fmt"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// needsSecondFactor tells whether a user or operator identified by their
// key must still pass the second factor in the TUI: operators always, staff
// under their clinic's policy (read with the user by key, resolve); a FIDO
// security key satisfies it alone. When the policy cannot be read the
// answer is yes: a login is never let through for want of an answer.
func (s *Server) needsSecondFactor(ls *liveSession) bool {
	tgt := ls.tgt
	if !tgt.identified() || tgt.key == nil {
		return false // the login form asks after the password
	}
	if store.IsSecurityKey(tgt.key.Type()) {
		return false
	}
	if tgt.user != nil {
		return tgt.userSecondFactor // the policy, read with the user
	}
	need, err := s.secondFactorOf(tgt).Required(ls.ctx)
	if err != nil {
		s.log.Error("second factor policy", "remote", tgt.remote, "err", err)
		return true
	}
	return need
}

// secondFactorOf is the identified user's or operator's second factor.
func (s *Server) secondFactorOf(tgt *target) store.SecondFactor {
	if tgt.operator != nil {
		return s.db.OperatorSecondFactor(tgt.operator, tgt.remote)
	}
	return tgt.tenant.SecondFactor(tgt.user, tgt.remote)
}

// secondFactorGate refuses a scripted command of an identified user or
// operator whose key has no second factor behind it: neither a security
// key nor a grant from an interactive login that passed one. The message is
// in the user's language.
func (s *Server) secondFactorGate(ls *liveSession) (string, bool) {
	tgt := ls.tgt
	if !tgt.identified() || tgt.key == nil {
		return "", false // unidentified commands are refused by the commands themselves
	}
	var lang i18n.Lang
	if tgt.operator != nil {
		lang = i18n.ParseLang(tgt.operator.Lang)
	} else {
		lang = i18n.Pick(tgt.user.Lang, tgt.tenant.Info.Lang)
	}
	ok, err := s.secondFactorOf(tgt).MayRunCommands(ls.ctx, tgt.key.Type(), tgt.fp)
	if err != nil {
		s.log.Error("second factor gate", "remote", tgt.remote, "err", err)
		return msgInternal, true
	}
	if ok {
		return "", false
	}
	return fmt.Sprintf(i18n.For(lang).SecondFactor.CommandNeedsLogin, int(store.CommandGrantTTL.Hours())), true
}
