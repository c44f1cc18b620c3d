package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Second factor (TOTP, RFC 6238). A clinic chooses who needs it
// (SecondFactorPolicy, a clinic setting); panel operators always do. The
// factor is checked after the first one (key, or password) and before the
// shell opens. A code's time step is accepted once (no replay), a wrong code
// counts against the account's lockout like a wrong password, and a
// recovery code works once. A key that already proved a second factor in an
// interactive login may run scripted commands for CommandGrantTTL; a FIDO
// security key (sk-…@openssh.com, user presence verified by the SSH
// library) satisfies the policy alone.

// SecondFactorPolicy says which staff users of a clinic need a second factor.
type SecondFactorPolicy string

// Policies.
const (
	SecondFactorOff      SecondFactorPolicy = "off"
	SecondFactorAdmins   SecondFactorPolicy = "admins"
	SecondFactorEveryone SecondFactorPolicy = "everyone"
)

// Valid tells whether p is one of the policies.
func (p SecondFactorPolicy) Valid() bool {
	return p == SecondFactorOff || p == SecondFactorAdmins || p == SecondFactorEveryone
}

// Requires tells whether a user of role r needs a second factor under p.
func (p SecondFactorPolicy) Requires(r Role) bool {
	return p == SecondFactorEveryone || (p == SecondFactorAdmins && r == RoleAdmin)
}

const (
	// CommandGrantTTL is how long a key that passed an interactive login
	// with a second factor may run scripted commands without one.
	CommandGrantTTL = 12 * time.Hour
	// RecoveryCodes is how many one-time recovery codes an enrolment gives.
	RecoveryCodes = 10
	totpPeriod    = 30 // seconds (RFC 6238 default; every authenticator app)
	totpDigits    = otp.DigitsSix
	totpIssuer    = "Consultorio"
)

// ErrBadSecondFactor: the code (TOTP or recovery) is wrong, already used, or
// the account has no second factor to check.
var ErrBadSecondFactor = &Sentinel{CodeBadCredentials, "wrong or used verification code"}

// SecurityKeyTypes are the SSH key types of FIDO security keys; a login with
// one proves possession of the device and a touch (user presence).
var SecurityKeyTypes = []string{"sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"}

// IsSecurityKey tells whether an SSH key type is a FIDO security key's.
func IsSecurityKey(keyType string) bool {
	for _, t := range SecurityKeyTypes {
		if keyType == t {
			return true
		}
	}
	return false
}

// Enrolment is a TOTP secret being set up: shown to the user (as a QR code
// of URI and as text) until a first code confirms it.
type Enrolment struct {
	Secret string `json:"secret"` // base32
	URI    string `json:"uri"`    // otpauth://totp/…
}

// beginTOTP stores a new pending secret for the account and returns it.
func (s accountStore) beginTOTP(ctx context.Context, id int64, issuer, email string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: email, Period: totpPeriod,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, SecretSize: 20})
	if err != nil {
		return Enrolment{}, fmt.Errorf("totp secret: %w", err)
	}
	sealed, err := s.box.seal(key.Secret())
	if err != nil {
		return Enrolment{}, err
	}
	err = s.run(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `update `+s.table+` set totp_pending = $2 where id = $1 and active`, id, sealed)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URI: otpauthURI(issuer, email, key.Secret())}, nil
}

// otpauthURI is the enrolment URI with only what authenticator apps need:
// SHA-1, 6 digits and 30 s are their defaults, and the label's prefix names
// the issuer. A shorter URI is a smaller QR code, one that fits beside the
// text on an 80×24 terminal for e-mails of up to about 40 characters.
func otpauthURI(issuer, account, secret string) string {
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: "secret=" + secret}
	return u.String()
}

// totpStep returns the time step code matches in secret around now (one
// step of clock drift either way), or 0.
func totpStep(secret, code string, now time.Time) int64 {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0
	}
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}
	cur := now.Unix() / totpPeriod
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), opts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step
		}
	}
	return 0
}

// confirmTOTP makes the pending secret the account's when code matches it,
// and returns fresh recovery codes (replacing any old ones).
func (s accountStore) confirmTOTP(ctx context.Context, id int64, code string) ([]string, error) {
	var codes []string
	err := s.run(ctx, func(tx pgx.Tx) error {
		var pending *string
		var email string
		if err := tx.QueryRow(ctx, `select totp_pending, email::text from `+s.table+` where id = $1 and active for update`, id).
			Scan(&pending, &email); err != nil {
			return notFound(err, EntityUser, nil)
		}
		if pending == nil {
			return ErrBadSecondFactor
		}
		secret, _, err := s.box.open(*pending)
		if err != nil {
			return err
		}
		step := totpStep(secret, code, s.now())
		if step == 0 {
			return ErrBadSecondFactor
		}
		if _, err := tx.Exec(ctx, `update `+s.table+` set totp_secret = totp_pending, totp_pending = null,
			totp_last_step = $2 where id = $1`, id, step); err != nil {
			return err
		}
		if codes, err = s.newRecoveryCodes(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, id, email, "auth.second_factor_enrolled", nil)
	})
	return codes, err
}

// newRecoveryCodes replaces the account's recovery codes; only hashes are
// kept.
func (s accountStore) newRecoveryCodes(ctx context.Context, tx pgx.Tx, id int64) ([]string, error) {
	if _, err := tx.Exec(ctx, `delete from `+s.codes+` where account_id = $1`, id); err != nil {
		return nil, err
	}
	codes := make([]string, RecoveryCodes)
	hashes := make([]string, RecoveryCodes)
	for i := range codes {
		c, err := newRecoveryCode()
		if err != nil {
			return nil, err
		}
		codes[i], hashes[i] = c, HashSetupCode(c)
	}
	_, err := tx.Exec(ctx, `insert into `+s.codes+` (account_id, code_hash) select $1, unnest($2::text[])`, id, hashes)
	return codes, err
}

// newRecoveryCode is like "K7QFM-2XRP9" (10 characters of the setup-code
// alphabet, about 50 bits).
func newRecoveryCode() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("recovery code: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i == 5 {
			sb.WriteByte('-')
		}
		sb.WriteByte(setupAlphabet[int(c)%len(setupAlphabet)])
	}
	return sb.String(), nil
}

// verifySecondFactor checks a TOTP code or a recovery code for the account,
// under the same lockout as the first factor: a wrong code is a failed
// attempt, and a locked account is refused even with the right code.
func (s accountStore) verifySecondFactor(ctx context.Context, id int64, code string) error {
	now := s.now()
	var result error
	err := s.run(ctx, func(tx pgx.Tx) error {
		var secret *string
		var lastStep int64
		var locked *time.Time
		var active bool
		var email string
		// The row lock serialises concurrent guesses of one account.
		if err := tx.QueryRow(ctx, `select totp_secret, totp_last_step, locked_until, active, email::text from `+s.table+`
			where id = $1 for update`, id).Scan(&secret, &lastStep, &locked, &active, &email); err != nil {
			return notFound(err, EntityUser, nil)
		}
		if locked != nil && locked.After(now) {
			result = &LockedError{Until: *locked}
			return nil
		}
		if !active {
			result = ErrAccountDisabled
			return nil
		}
		method := "totp"
		ok := false
		if secret != nil {
			clear, sealed, err := s.box.open(*secret)
			if err != nil {
				return err
			}
			if !sealed { // stored before sealing existed: seal it now
				v, err := s.box.seal(clear)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `update `+s.table+` set totp_secret = $2 where id = $1`, id, v); err != nil {
					return err
				}
			}
			if step := totpStep(clear, code, now); step > lastStep {
				_, err := tx.Exec(ctx, `update `+s.table+` set totp_last_step = $2, failed_attempts = 0 where id = $1`, id, step)
				if err != nil {
					return err
				}
				ok = true
			} else if step == 0 && len(strings.TrimSpace(code)) > 6 {
				method = "recovery_code"
				tag, err := tx.Exec(ctx, `update `+s.codes+` set used_at = $3
					where account_id = $1 and code_hash = $2 and used_at is null`, id, HashSetupCode(code), now)
				if err != nil {
					return err
				}
				ok = tag.RowsAffected() == 1
				if ok {
					if _, err := tx.Exec(ctx, `update `+s.table+` set failed_attempts = 0 where id = $1`, id); err != nil {
						return err
					}
				}
			}
		}
		if ok {
			return s.record(ctx, tx, id, email, "auth.second_factor", map[string]any{"method": method})
		}
		var until *time.Time
		if err := tx.QueryRow(ctx, `update `+s.table+` set
				failed_attempts = case when failed_attempts + 1 >= $2 then 0 else failed_attempts + 1 end,
				locked_until = case when failed_attempts + 1 >= $2 then $3::timestamptz end
			where id = $1 returning locked_until`, id, MaxFailedLogins, now.Add(LockoutDuration)).Scan(&until); err != nil {
			return err
		}
		result = ErrBadSecondFactor
		event := "auth.failed"
		if until != nil {
			result = &LockedError{Until: *until}
			event = "auth.locked"
		}
		return s.record(ctx, tx, id, email, event, map[string]any{"method": method, "reason": "wrong second factor"})
	})
	if err != nil {
		return fmt.Errorf("second factor: %w", err)
	}
	return result
}

// grantCommands lets the key with fingerprint fp run scripted commands for
// the account until now + CommandGrantTTL.
func (s accountStore) grantCommands(ctx context.Context, id int64, fp string) error {
	if fp == "" {
		return nil
	}
	return s.run(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `insert into `+s.grants+` (account_id, fingerprint, expires_at) values ($1, $2, $3)
			on conflict (account_id, fingerprint) do update set expires_at = excluded.expires_at`,
			id, fp, s.now().Add(CommandGrantTTL))
		return err
	})
}

// hasCommandGrant tells whether the key may run scripted commands now.
func (s accountStore) hasCommandGrant(ctx context.Context, id int64, fp string) (bool, error) {
	var ok bool
	err := s.run(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `select exists(select 1 from `+s.grants+`
			where account_id = $1 and fingerprint = $2 and expires_at > $3)`, id, fp, s.now()).Scan(&ok)
	})
	return ok, err
}

// resetSecondFactor removes the account's secret, recovery codes and
// grants (a lost phone); the next login under the policy enrols again.
func (s accountStore) resetSecondFactor(ctx context.Context, tx pgx.Tx, id int64) error {
	if _, err := tx.Exec(ctx, `update `+s.table+` set totp_secret = null, totp_pending = null where id = $1`, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `delete from `+s.codes+` where account_id = $1`, id); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `delete from `+s.grants+` where account_id = $1`, id)
	return err
}

// hasTOTP tells whether the account has a confirmed secret.
func (s accountStore) hasTOTP(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := s.run(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `select totp_secret is not null from `+s.table+` where id = $1`, id).Scan(&ok)
	})
	return ok, notFound(err, EntityUser, nil)
}

// ---- One account's second factor: a clinic user's or an operator's ----

// SecondFactor is one account's second factor, bound to the address the
// login comes from (for the audit log). The clinic's staff get theirs from
// Tenant.SecondFactor, operators from DB.OperatorSecondFactor; both doors
// (TUI login, scripted commands) use this one type.
type SecondFactor struct {
	s     accountStore
	id    int64
	email string
	// required tells whether the account must pass it: the clinic's
	// policy for its role, always for an operator.
	required func(context.Context) (bool, error)
}

// SecondFactor is user u's second factor in this clinic.
func (t *Tenant) SecondFactor(u *User, remoteAddr string) SecondFactor {
	return SecondFactor{s: t.accounts(remoteAddr), id: u.ID, email: u.Email,
		required: func(ctx context.Context) (bool, error) {
			p, err := t.SecondFactorPolicy(ctx)
			return p.Requires(u.Role), err
		}}
}

// OperatorSecondFactor is operator o's second factor (always required).
func (db *DB) OperatorSecondFactor(o *Operator, remoteAddr string) SecondFactor {
	return SecondFactor{s: db.operatorAccounts(remoteAddr), id: o.ID, email: o.Email,
		required: func(context.Context) (bool, error) { return true, nil }}
}

// Required tells whether the account must pass a second factor to log in.
func (f SecondFactor) Required(ctx context.Context) (bool, error) { return f.required(ctx) }

// Enrolled tells whether the account has a confirmed TOTP authenticator.
func (f SecondFactor) Enrolled(ctx context.Context) (bool, error) { return f.s.hasTOTP(ctx, f.id) }

// Begin starts (or restarts) the account's own enrolment.
func (f SecondFactor) Begin(ctx context.Context) (Enrolment, error) {
	return f.s.beginTOTP(ctx, f.id, totpIssuer, f.email)
}

// Confirm ends the enrolment with the first code from the app and returns
// the one-time recovery codes (shown once).
func (f SecondFactor) Confirm(ctx context.Context, code string) ([]string, error) {
	return f.s.confirmTOTP(ctx, f.id, code)
}

// Verify checks a code (TOTP or recovery).
func (f SecondFactor) Verify(ctx context.Context, code string) error {
	return f.s.verifySecondFactor(ctx, f.id, code)
}

// GrantCommands lets the key with fingerprint fp run scripted commands for
// CommandGrantTTL (after an interactive login that passed the factor).
func (f SecondFactor) GrantCommands(ctx context.Context, fp string) error {
	return f.s.grantCommands(ctx, f.id, fp)
}

// MayRunCommands tells whether a scripted command signed with a key of type
// keyType and fingerprint fp satisfies the second factor: not required, a
// security key, or a grant for this key.
func (f SecondFactor) MayRunCommands(ctx context.Context, keyType, fp string) (bool, error) {
	need, err := f.required(ctx)
	if err != nil || !need || IsSecurityKey(keyType) {
		return err == nil, err
	}
	return f.s.hasCommandGrant(ctx, f.id, fp)
}

// ---- Clinic policy ----

// SecondFactorPolicy reads the clinic's policy.
func (t *Tenant) SecondFactorPolicy(ctx context.Context) (SecondFactorPolicy, error) {
	var p SecondFactorPolicy
	err := t.tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `select second_factor from settings`).Scan(&p)
	})
	if err != nil {
		return "", fmt.Errorf("second factor policy: %w", err)
	}
	return p, nil
}

// SetSecondFactorPolicy sets who needs a second factor. Only an admin may.
// Users bound by it who have not enrolled are asked to at their next login.
func (t *Tenant) SetSecondFactorPolicy(ctx context.Context, actor Actor, p SecondFactorPolicy) error {
	if !actor.MayManageClinic() {
		return forbidden("changing the second-factor policy")
	}
	if !p.Valid() {
		return invalid("second_factor", ReasonOneOf, "off, admins, everyone")
	}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var old SecondFactorPolicy
		if err := tx.QueryRow(ctx, `select second_factor from settings for update`).Scan(&old); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update settings set second_factor = $1`, p); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "settings.second_factor", "settings", 0, map[string]any{"from": old, "to": p})
	})
	return wrapOp("second factor policy", err)
}

// ResetSecondFactor removes a user's authenticator and recovery codes (a
// lost phone). An admin may do it for anyone; a user for themself.
func (t *Tenant) ResetSecondFactor(ctx context.Context, actor Actor, userID int64) error {
	if !actor.MayManageKeysOf(userID) {
		return forbidden("resetting another user's second factor")
	}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := t.accounts("").resetSecondFactor(ctx, tx, userID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "user.second_factor_reset", "user", userID, nil)
	})
	return wrapOp("reset second factor", err)
}
