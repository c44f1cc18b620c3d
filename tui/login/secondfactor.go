package login

import (
	"context"
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	qrcode "github.com/skip2/go-qrcode"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
)

// qrBlocks draws content as a QR code in text, two modules a character
// (upper and lower half blocks), with a one-module quiet zone. Scanners need
// dark modules on a light ground: on a dark terminal the light modules are
// drawn, on a light one the dark modules. It returns "" when the code does
// not fit in maxW×maxH cells.
func qrBlocks(content string, dark bool, maxW, maxH int) string {
	q, err := qrcode.New(content, qrcode.Low)
	if err != nil {
		return ""
	}
	q.DisableBorder = true
	bits := q.Bitmap()
	n := len(bits) + 2 // quiet zone
	if n > maxW || (n+1)/2 > maxH {
		return ""
	}
	// ink tells whether module (r, c) of the bordered code is drawn.
	ink := func(r, c int) bool {
		if r <= 0 || c <= 0 || r >= n-1 || c >= n-1 {
			return dark // the quiet zone is light
		}
		return bits[r-1][c-1] != dark // bits: true = dark module
	}
	var b strings.Builder
	for r := 0; r < n; r += 2 {
		for c := range n {
			top, bottom := ink(r, c), r+1 < n && ink(r+1, c)
			switch {
			case top && bottom:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bottom:
				b.WriteRune('▄')
			default:
				b.WriteByte(' ')
			}
		}
		if r+2 < n {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Results of the second-factor steps.
type (
	secondFactorState struct {
		need, enrolled bool
		err            error
	}
	enrolResult struct {
		en  store.Enrolment
		err error
	}
	confirmResult struct {
		codes []string
		err   error
	}
	verifyResult struct{ err error }
)

// checkSecondFactor asks whether the account must pass a second factor,
// and whether it has enrolled one. required: the policy was read already
// (a key login: the server read it with the user), so it is not asked again.
func (l *Model) checkSecondFactor(required bool) tea.Cmd {
	l.step = stepChecking
	l.h.SetBusy(l.h.Locale().M.SecondFactor.Verifying)
	acc := l.acc
	return l.h.Do(Target, func(ctx context.Context) tea.Msg {
		f := l.auth.SecondFactor(acc)
		need, err := required, error(nil)
		if !required {
			need, err = f.Required(ctx)
		}
		enrolled := false
		if err == nil && need {
			enrolled, err = f.Enrolled(ctx)
		}
		return secondFactorState{need, enrolled, err}
	})
}

func (l *Model) beginEnrolment() tea.Cmd {
	l.step = stepChecking
	acc := l.acc
	return l.h.Do(Target, func(ctx context.Context) tea.Msg {
		en, err := l.auth.SecondFactor(acc).Begin(ctx)
		return enrolResult{en, err}
	})
}

func (l *Model) codeForm() *huh.Form {
	m := l.h.Locale().M.SecondFactor
	return kit.NewForm(l.h.Locale().M, huh.NewGroup(
		huh.NewInput().Key("code").Title(m.Code).Description(m.CodeHint).
			Value(&l.code).CharLimit(20).Validate(l.required),
	)).WithWidth(l.formWidth())
}

func (l *Model) enrolForm() *huh.Form {
	m := l.h.Locale().M.SecondFactor
	return kit.NewForm(l.h.Locale().M, huh.NewGroup(
		huh.NewInput().Key("code").Title(m.EnrolFirstCode).
			Value(&l.code).CharLimit(6).Validate(l.required),
	)).WithWidth(l.formWidth())
}

func (l *Model) recoveryForm() *huh.Form {
	m := l.h.Locale().M.SecondFactor
	return kit.NewForm(l.h.Locale().M, huh.NewGroup(
		huh.NewConfirm().Key("saved").Title(m.RecoverySaved).Affirmative(l.h.Locale().M.Login.Yes).
			Negative("").Value(&l.saved).WithButtonAlignment(lipgloss.Left),
	)).WithWidth(l.formWidth())
}

// secondFactorResult handles the results of the second-factor steps; ok is
// false when msg is not one of them.
func (l *Model) secondFactorResult(msg tea.Msg) (tea.Cmd, bool) {
	switch r := msg.(type) {
	case secondFactorState:
		switch {
		case r.err != nil:
			return l.failSecondFactor(r.err), true
		case !r.need:
			return l.offerOrLand(), true
		case r.enrolled:
			l.step, l.code = stepSecondFactor, ""
			l.h.SetBusy("")
			return l.show(l.codeForm()), true
		}
		return l.beginEnrolment(), true
	case enrolResult:
		if r.err != nil {
			return l.failSecondFactor(r.err), true
		}
		l.enrolment, l.step, l.code = r.en, stepEnrol, ""
		l.h.SetBusy("")
		return l.show(l.enrolForm()), true
	case confirmResult:
		if r.err != nil {
			l.step = stepEnrol
			l.errText = l.secondFactorError(r.err)
			l.code = ""
			return l.again(l.enrolForm(), 0), true
		}
		l.recovery, l.step = r.codes, stepRecovery
		l.h.SetBusy("")
		l.notes = append(l.notes, func(m *i18n.Messages) string { return m.SecondFactor.Enrolled })
		return l.show(l.recoveryForm()), true
	case verifyResult:
		if r.err != nil {
			l.step = stepSecondFactor
			l.errText = l.secondFactorError(r.err)
			l.code = ""
			return l.again(l.codeForm(), 0), true
		}
		return l.offerOrLand(), true
	}
	return nil, false
}

// secondFactorError words a refused code: the form's own text for a wrong
// one, the catalogue's for the rest (locked, disabled).
func (l *Model) secondFactorError(err error) string {
	if errors.Is(err, store.ErrBadSecondFactor) {
		return l.h.Locale().M.SecondFactor.BadCode
	}
	return kit.ErrorText(l.h.Log(), l.h.Locale(), err)
}

// failSecondFactor: the state could not be read; the login starts over
// (nothing is granted without the factor).
func (l *Model) failSecondFactor(err error) tea.Cmd {
	l.acc = nil
	l.step = stepCredentials
	l.errText = kit.ErrorText(l.h.Log(), l.h.Locale(), err)
	return l.again(l.credentialsForm(), 0)
}

// submitSecondFactor starts the check of a completed code or enrolment form.
func (l *Model) submitSecondFactor() tea.Cmd {
	acc, code, fp := l.acc, strings.TrimSpace(l.code), l.hooks.KeyFingerprint
	l.h.SetBusy(l.h.Locale().M.SecondFactor.Verifying)
	switch l.step {
	case stepSecondFactor:
		l.step = stepChecking
		return l.h.Do(Target, func(ctx context.Context) tea.Msg {
			f := l.auth.SecondFactor(acc)
			err := f.Verify(ctx, code)
			if err == nil {
				err = f.GrantCommands(ctx, fp)
			}
			return verifyResult{err}
		})
	case stepEnrol:
		l.step = stepChecking
		return l.h.Do(Target, func(ctx context.Context) tea.Msg {
			f := l.auth.SecondFactor(acc)
			codes, err := f.Confirm(ctx, code)
			if err == nil {
				err = f.GrantCommands(ctx, fp)
			}
			return confirmResult{codes, err}
		})
	case stepRecovery:
		return l.offerOrLand()
	}
	return nil
}

// secondFactorView is the body of the enrolment and recovery-code steps
// (the code step is the form alone).
func (l *Model) secondFactorView(w, h int) string {
	m, st := l.h.Locale().M.SecondFactor, l.h.Styles()
	switch l.step {
	case stepEnrol:
		text := lipgloss.NewStyle().Width(max(w-4, 20)).Render(m.EnrolIntro)
		qr := qrBlocks(l.enrolment.URI, l.h.Styles().Dark, w-36, h)
		right := []string{st.Title.Render(m.EnrolTitle), ""}
		if qr == "" {
			right = append(right, text, "", m.EnrolSecret+": "+l.enrolment.Secret, st.Muted.Render(m.EnrolNoQR), "")
		} else {
			text = lipgloss.NewStyle().Width(max(w-lipgloss.Width(qr)-5, 20)).Render(m.EnrolIntro)
			right = append(right, text, "", m.EnrolSecret+":", l.enrolment.Secret, "")
		}
		if l.form != nil && l.form.State == huh.StateNormal {
			right = append(right, l.form.View())
		}
		if l.errText != "" {
			right = append(right, st.Error.Render("✗ "+l.errText))
		}
		col := strings.Join(right, "\n")
		if qr == "" {
			return kit.Indent(col, 2)
		}
		return kit.Indent(lipgloss.JoinHorizontal(lipgloss.Top, qr, "  ", col), 1)
	case stepRecovery:
		lines := []string{"  " + st.Title.Render(m.RecoveryTitle), "",
			kit.Indent(lipgloss.NewStyle().Width(max(w-6, 20)).Render(m.RecoveryIntro), 2), ""}
		for i := 0; i < len(l.recovery); i += 2 {
			row := "    " + l.recovery[i]
			if i+1 < len(l.recovery) {
				row += "    " + l.recovery[i+1]
			}
			lines = append(lines, row)
		}
		lines = append(lines, "")
		if l.form != nil && l.form.State == huh.StateNormal {
			lines = append(lines, kit.Indent(l.form.View(), 2))
		}
		return strings.Join(lines, "\n")
	}
	return ""
}
