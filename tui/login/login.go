package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"unicode"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// Target is the Do target of the login's async work: the app hands those
// results to Result.
const Target = "\x00login"

// Host is the app as the login sees it: async work with the spinner, the
// status line and its busy text, the window, and the way into the shell.
type Host interface {
	// Do runs fn off the program's goroutine; its result comes back to
	// Result.
	Do(target string, fn func(ctx context.Context) tea.Msg) tea.Cmd
	// SetBusy is what the spinner says while work is pending ("": the
	// default).
	SetBusy(text string)
	SetStatus(k kit.StatusKind, text string)
	// StatusLine is the status line drawn w cells wide.
	StatusLine(w int) string
	Styles() *kit.Styles
	// Locale is the session's language: the clinic's until Enter, the
	// user's afterwards.
	Locale() *i18n.Locale
	Log() *slog.Logger
	// Size is the window's size.
	Size() (width, height int)
	// Brand is the clinic's name (sanitized) or the panel's.
	Brand() string
	// QuitKey is the key that ends the session from anywhere.
	QuitKey() key.Binding
	// Enter replaces the login by the shell of the logged-in account.
	Enter(acc *Account) tea.Cmd
}

// Account is who logged in: a clinic's staff user or a panel operator.
type Account struct {
	User *store.User
	Op   *store.Operator
}

func (acc *Account) email() string {
	if acc.User != nil {
		return acc.User.Email
	}
	return acc.Op.Email
}

func (acc *Account) name() string {
	if acc.User != nil {
		return acc.User.Name
	}
	return acc.Op.Name
}

// Authenticator is the part of the store the login form needs; the clinic
// and the panel each adapt theirs (Clinic, Panel in auth.go).
type Authenticator interface {
	LoginPassword(ctx context.Context, email, password string) (*Account, error)
	LoginSetupCode(ctx context.Context, email, code string) (*Account, error)
	SetPassword(ctx context.Context, acc *Account, password string) error
	AddKey(ctx context.Context, acc *Account, keyLine string) error

	// SecondFactor is acc's second factor (secondfactor.go): whether it
	// must pass one now, enrolment, the check of a code, and the grant that
	// lets the connecting key run scripted commands afterwards.
	SecondFactor(acc *Account) store.SecondFactor
}

// Limiter rate-limits login attempts per source address (PRODUCT.md
// §3: failed attempts per source address are rate-limited; the per-account
// lockout is the store's). The SSH server passes one keyed by the session's
// remote address; nil means no limit.
type Limiter interface {
	// Allow returns an error when the address may not try now.
	Allow() error
	// Failed counts one failed credential check of the address.
	Failed()
}

// Hooks are the server's hooks into the login form.
type Hooks struct {
	Limiter Limiter
	// OnLogin learns who logged in (their e-mail) once the credentials
	// were accepted, e.g. for the server's connection log line.
	OnLogin func(email string)
	// KeyFingerprint is the SHA256 fingerprint of the key the client
	// connected with ("" if none): passing the second factor lets it run
	// scripted commands for a while.
	KeyFingerprint string
}

// errRateLimited: the limiter refused the attempt (its error is not shown:
// the form says why in the user's language).
type errRateLimited struct{ err error }

func (e errRateLimited) Error() string { return "rate limited: " + e.err.Error() }

func (e errRateLimited) Unwrap() error { return e.err }

type loginStep int

const (
	stepCredentials loginStep = iota // e-mail, method, password or setup code
	stepChecking
	stepNewPassword // first login: choose a password (twice)
	stepSaving
	stepOfferKey // register the key the client connected with?
	stepAddingKey
	stepSecondFactor // a code from the authenticator (or a recovery code)
	stepEnrol        // QR code and secret, confirmed by a first code
	stepRecovery     // the recovery codes, shown once
)

const (
	methodPassword = "password"
	methodCode     = "code"
)

// Results of the login's async steps.
type (
	loginResult struct {
		acc *Account
		err error
	}
	passwordResult struct{ err error }
	keyResult      struct{ err error }
)

// Model is the login form and the first-login flow:
//
//	e-mail + password ─────────────────────────────┐
//	e-mail + setup code → new password (twice) ────┴→ offer the connecting key (if any) → shell
//
// Errors (wrong credentials, locked until HH:MM, suspended clinic, rules)
// show under the form, which is rebuilt with what the user typed.
type Model struct {
	h        Host
	auth     Authenticator
	hooks    Hooks
	title    string
	offerKey string // authorized_keys line of the connecting key, "" if none
	keyDesc  string // how the key reads to a person

	step    loginStep
	form    *huh.Form
	errText string
	help    help.Model

	// method is read by huh's TitleFunc/DescriptionFunc, which huh runs in
	// command goroutines: hence a locked value, not a plain string.
	method              *lockedString
	email, secret       string
	newPassword, repeat string
	addKey              bool

	acc   *Account
	notes []func(*i18n.Messages) string // confirmations to show on landing, in the user's language

	// Second factor.
	code      string
	enrolment store.Enrolment
	recovery  []string
	saved     bool
	// startAt, when set, is an account identified by its key that must
	// still pass the second factor: the login starts there.
	startAt *Account
}

// New is the login form titled title; offerKey is the authorized_keys line
// of the key the client connected with ("" if none), offered for
// registration after the login. startAt, if not nil, is an account the key
// identified that must still pass the second factor: the login starts
// there.
func New(h Host, auth Authenticator, hooks Hooks, title, offerKey string, startAt *Account) *Model {
	l := &Model{h: h, auth: auth, hooks: hooks, title: title, offerKey: strings.TrimSpace(offerKey), startAt: startAt,
		method: &lockedString{v: methodPassword, seen: methodPassword}, addKey: true, help: help.New()}
	if l.offerKey != "" {
		canonical, fp, comment, err := store.ParsePublicKey(l.offerKey)
		if err != nil {
			l.offerKey = "" // nothing we could register anyway
		} else {
			kind, _, _ := strings.Cut(canonical, " ")
			l.keyDesc = strings.TrimSpace(kind + " " + fp + " " + sanitize.Line(comment))
		}
	}
	return l
}

// Init starts the login.
func (l *Model) Init() tea.Cmd {
	if l.startAt != nil {
		// The key identified the account: it is registered already.
		l.acc, l.offerKey = l.startAt, ""
		return l.checkSecondFactor(true)
	}
	return l.show(l.credentialsForm())
}

// show makes f the current form.
func (l *Model) show(f *huh.Form) tea.Cmd {
	l.form = f
	return tea.Batch(kit.StartForm(f, l.h.Styles().Dark), l.Resize())
}

func (l *Model) formWidth() int {
	if l.step == stepEnrol {
		return 34 // beside the QR code
	}
	width, _ := l.h.Size()
	return min(max(width-6, 20), 70)
}

// Resize fits the form to the window: its width, and the height left under
// the title and above the error and the two bottom lines (huh scrolls a
// group taller than that to keep the focused field visible).
func (l *Model) Resize() tea.Cmd {
	if l.form == nil {
		return nil
	}
	_, height := l.h.Size()
	l.form.WithWidth(l.formWidth())
	return kit.UpdateForm(l.form, tea.WindowSizeMsg{Width: l.formWidth(), Height: max(height-10, 5)})
}

func (l *Model) credentialsForm() *huh.Form {
	m := l.h.Locale().M
	secretTitle := func() string {
		if l.method.Get() == methodCode {
			return m.Login.SetupCode
		}
		return m.Login.Password
	}
	secretDesc := func() string {
		if l.method.Get() == methodCode {
			return m.Login.SetupCodeHint
		}
		return m.Login.PasswordHint
	}
	f := kit.NewForm(m, huh.NewGroup(
		huh.NewInput().Key("email").Title(m.Login.Email).Value(&l.email).CharLimit(254).
			Validate(l.validateEmail),
		huh.NewSelect[string]().Key("method").Title(m.Login.Method).Accessor(l.method).Options(
			huh.NewOption(m.Login.MethodPassword, methodPassword),
			huh.NewOption(m.Login.MethodCode, methodCode)),
		// Title first: the Funcs only take over once huh evaluates them.
		huh.NewInput().Key("secret").Title(secretTitle()).Description(secretDesc()).
			TitleFunc(secretTitle, &l.method.seen).DescriptionFunc(secretDesc, &l.method.seen).
			Value(&l.secret).EchoMode(huh.EchoModePassword).CharLimit(200).
			Validate(l.required),
	)).WithWidth(l.formWidth())
	return f
}

func (l *Model) newPasswordForm() *huh.Form {
	m := l.h.Locale().M
	return kit.NewForm(m, huh.NewGroup(
		huh.NewInput().Key("new").Title(m.Login.NewPassword).Description(m.Login.PasswordRules).
			Value(&l.newPassword).EchoMode(huh.EchoModePassword).CharLimit(200).
			Validate(l.validatePassword),
		huh.NewInput().Key("repeat").Title(m.Login.RepeatPassword).
			Value(&l.repeat).EchoMode(huh.EchoModePassword).CharLimit(200).
			Validate(func(s string) error {
				if s != l.newPassword {
					return errors.New(m.Errors.PasswordsDiffer)
				}
				return nil
			}),
	)).WithWidth(l.formWidth())
}

func (l *Model) offerKeyForm() *huh.Form {
	m := l.h.Locale().M
	return kit.NewForm(m, huh.NewGroup(
		huh.NewConfirm().Key("addkey").Title(m.Login.OfferKey).
			Description(fmt.Sprintf(m.Login.OfferKeyDesc, l.keyDesc)).
			Affirmative(m.Login.Yes).Negative(m.Login.No).Value(&l.addKey).
			WithButtonAlignment(lipgloss.Left),
	)).WithWidth(l.formWidth())
}

func (l *Model) required(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New(l.h.Locale().M.Errors.Required)
	}
	return nil
}

func (l *Model) validateEmail(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New(l.h.Locale().M.Errors.Required)
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
		return errors.New(l.h.Locale().M.Errors.EmailInvalid)
	}
	return nil
}

// validatePassword applies store.ValidatePassword (the rule's only
// authority) and says why in the user's language.
func (l *Model) validatePassword(s string) error {
	if store.ValidatePassword(s) == nil {
		return nil
	}
	e := l.h.Locale().M.Errors
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 && len([]rune(s)) >= 10 {
		return errors.New(e.PasswordDigits)
	}
	return errors.New(e.PasswordShort)
}

// Update handles a message of the program (not an async result: Result).
func (l *Model) Update(msg tea.Msg) tea.Cmd {
	if l.form == nil || l.step == stepChecking || l.step == stepSaving || l.step == stepAddingKey {
		return nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "esc" && l.step == stepCredentials {
		return nil // nothing to go back to; do not abort the form
	}
	cmd := kit.UpdateForm(l.form, msg)
	switch l.form.State {
	case huh.StateCompleted:
		return tea.Batch(cmd, l.submit())
	case huh.StateAborted:
		return tea.Batch(cmd, l.aborted())
	}
	return cmd
}

// submit starts the step the completed form asks for.
func (l *Model) submit() tea.Cmd {
	l.errText = ""
	m := l.h.Locale().M
	switch l.step {
	case stepCredentials:
		l.step = stepChecking
		l.h.SetBusy(m.Login.Checking)
		email, secret, method := strings.TrimSpace(l.email), l.secret, l.method.Get()
		lim := l.hooks.Limiter
		return l.h.Do(Target, func(ctx context.Context) tea.Msg {
			// The address's limit comes before any credential check: a
			// blocked address learns nothing, not even a right password.
			if lim != nil {
				if err := lim.Allow(); err != nil {
					return loginResult{nil, errRateLimited{err}}
				}
			}
			var acc *Account
			var err error
			if method == methodCode {
				acc, err = l.auth.LoginSetupCode(ctx, email, secret)
			} else {
				acc, err = l.auth.LoginPassword(ctx, email, secret)
			}
			if lim != nil && errors.Is(err, store.ErrBadCredentials) {
				lim.Failed()
			}
			return loginResult{acc, err}
		})
	case stepNewPassword:
		l.step = stepSaving
		l.h.SetBusy(m.Login.Saving)
		acc, pw := l.acc, l.newPassword
		return l.h.Do(Target, func(ctx context.Context) tea.Msg {
			return passwordResult{l.auth.SetPassword(ctx, acc, pw)}
		})
	case stepSecondFactor, stepEnrol, stepRecovery:
		return l.submitSecondFactor()
	case stepOfferKey:
		if !l.addKey {
			return l.land()
		}
		l.step = stepAddingKey
		l.h.SetBusy(m.Login.Saving)
		acc, line := l.acc, l.offerKey
		return l.h.Do(Target, func(ctx context.Context) tea.Msg {
			return keyResult{l.auth.AddKey(ctx, acc, line)}
		})
	}
	return nil
}

// aborted: esc on a later step. Choosing a password cannot be skipped (the
// setup code is only good for that); declining the key offer lands.
func (l *Model) aborted() tea.Cmd {
	switch l.step {
	case stepSecondFactor:
		return l.show(l.codeForm())
	case stepEnrol:
		return l.show(l.enrolForm())
	case stepRecovery:
		return l.show(l.recoveryForm())
	case stepOfferKey:
		return l.land()
	case stepNewPassword:
		return l.show(l.newPasswordForm())
	}
	return nil
}

// Result handles the result of the login's async work (Target).
func (l *Model) Result(msg tea.Msg) tea.Cmd {
	if cmd, ok := l.secondFactorResult(msg); ok {
		return cmd
	}
	m := l.h.Locale().M
	switch r := msg.(type) {
	case loginResult:
		if r.err != nil {
			l.step = stepCredentials
			var limited errRateLimited
			if errors.As(r.err, &limited) {
				l.errText = m.Errors.RateLimited
				l.secret = "" // not checked: typed again when the address may try
			} else {
				l.errText = kit.ErrorText(l.h.Log(), l.h.Locale(), r.err)
			}
			if errors.Is(r.err, store.ErrBadCredentials) {
				if l.method.Get() == methodCode {
					l.errText = fmt.Sprintf(m.Errors.BadSetupCode, store.MaxFailedLogins, int(store.LockoutDuration.Minutes()))
				}
				l.secret = "" // known to be wrong: retyping is easier on an empty field
			}
			return l.again(l.credentialsForm(), 2)
		}
		l.acc = r.acc
		if l.hooks.OnLogin != nil {
			l.hooks.OnLogin(r.acc.email())
		}
		if l.method.Get() == methodCode {
			l.step = stepNewPassword
			return l.show(l.newPasswordForm())
		}
		return l.checkSecondFactor(false)
	case passwordResult:
		if r.err != nil {
			l.step = stepNewPassword
			l.errText = kit.ErrorText(l.h.Log(), l.h.Locale(), r.err)
			return l.again(l.newPasswordForm(), 0)
		}
		l.notes = append(l.notes, func(m *i18n.Messages) string { return m.Login.PasswordSaved })
		return l.checkSecondFactor(false)
	case keyResult:
		if r.err != nil {
			// Not registering the key does not stop the login: say why in
			// the status line of the shell.
			cmd := l.land()
			l.h.SetStatus(kit.StatusError, fmt.Sprintf(l.h.Locale().M.Errors.KeyNotRegistered, kit.ErrorText(l.h.Log(), l.h.Locale(), r.err)))
			return cmd
		}
		l.notes = append(l.notes, func(m *i18n.Messages) string { return m.Login.KeyAdded })
		return l.land()
	}
	return nil
}

// again shows a rebuilt form (the bound values are kept) with the focus on
// field focus.
func (l *Model) again(f *huh.Form, focus int) tea.Cmd {
	l.h.SetBusy("")
	l.form = f
	cmds := []tea.Cmd{kit.StartForm(f, l.h.Styles().Dark)}
	for i := 0; i < focus; i++ {
		cmds = append(cmds, f.NextField())
	}
	return tea.Batch(append(cmds, l.Resize())...)
}

func (l *Model) offerOrLand() tea.Cmd {
	if l.offerKey == "" {
		return l.land()
	}
	l.step = stepOfferKey
	l.h.SetBusy("")
	return l.show(l.offerKeyForm())
}

func (l *Model) land() tea.Cmd {
	cmd := l.h.Enter(l.acc)
	m := l.h.Locale().M // the user's language from now on
	notes := []string{fmt.Sprintf(m.Login.Welcome, sanitize.Line(l.acc.name()))}
	for _, n := range l.notes {
		notes = append(notes, n(m))
	}
	l.h.SetStatus(kit.StatusInfo, strings.Join(notes, " "))
	return cmd
}

func (l *Model) keys() []key.Binding {
	return kit.FormKeys(l.form)
}

// View is the whole window: header, form, status and help lines.
func (l *Model) View(w, h int) string {
	st := l.h.Styles()
	m := l.h.Locale().M
	header := kit.Bar(" "+m.Shell.AppName+" · "+l.h.Brand(), "", w, st)
	bodyH := h - 3

	var body strings.Builder
	body.WriteString("\n")
	switch l.step {
	case stepEnrol, stepRecovery:
		// These steps lay out their form themselves (beside the QR code).
		body.WriteString(l.secondFactorView(w, bodyH-1))
	default:
		title := l.title
		if l.step == stepSecondFactor {
			title = m.SecondFactor.CodeTitle
		}
		body.WriteString("  " + st.Title.Render(title) + "\n\n")
		if l.form != nil && l.form.State == huh.StateNormal {
			body.WriteString(kit.Indent(l.form.View(), 2))
			body.WriteString("\n")
		}
		if l.errText != "" {
			wrapped := lipgloss.NewStyle().Width(max(w-6, 10)).Render("✗ " + sanitize.Line(l.errText))
			body.WriteString("\n" + kit.Indent(st.Error.Render(wrapped), 2) + "\n")
		}
	}
	helpKeys := l.keys()
	tail := []key.Binding{l.h.QuitKey()}
	return strings.Join([]string{
		header,
		kit.Fit(body.String(), w, bodyH),
		l.h.StatusLine(w),
		kit.HelpLine(st, &l.help, helpKeys, tail, w),
	}, "\n")
}

// lockedString is a huh.Accessor safe to read from any goroutine. huh
// decides whether to re-run a TitleFunc by hashing its bindings on the
// program's goroutine: give it &s.seen, a copy only that goroutine touches
// (Set runs there too).
type lockedString struct {
	mu   sync.Mutex
	v    string
	seen string
}

func (s *lockedString) Get() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v
}

func (s *lockedString) Set(v string) {
	s.mu.Lock()
	s.v = v
	s.mu.Unlock()
	s.seen = v
}
