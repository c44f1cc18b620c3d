package kit

import (
	"sync"

	"charm.land/bubbles/v2/help"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Styles are the shared looks of the app. Every meaning is carried by an
// attribute or a marker as well as by colour (reverse video for the
// selection and the active screen, bold for titles, "✗"/"✓" before errors
// and confirmations), so the UI reads the same on a terminal without colour.
// Colours are written once here; Bubble Tea down-samples them to what each
// session's terminal supports.
type Styles struct {
	Dark bool
	// ASCII: the sheet of ASCII mode (no colour, ASCII borders); see
	// ascii.go.
	ASCII bool

	Header    lipgloss.Style // the top bar (reverse video)
	HeaderDim lipgloss.Style
	Tab       lipgloss.Style
	TabActive lipgloss.Style // reverse + bold, and drawn in [brackets]
	TabMore   lipgloss.Style

	Title    lipgloss.Style // a screen's title: bold
	Subtitle lipgloss.Style
	Muted    lipgloss.Style // secondary text: faint
	Label    lipgloss.Style // "Field:" labels
	Selected lipgloss.Style // the selected row of a list: reverse + bold
	Error    lipgloss.Style // text after the ✗ marker
	Info     lipgloss.Style // text after the ✓ marker
	Warn     lipgloss.Style
	Key      lipgloss.Style // a key name shown in text

	Help help.Styles
}

// styleSheets are the light and the dark sheet, built once and shared by
// every session (issue 16: what is the same for every session is held
// once). A sheet is never changed after it is built.
var styleSheets = sync.OnceValue(func() [3]*Styles {
	return [3]*Styles{NewStyles(false), NewStyles(true), NewASCIIStyles()}
})

// ASCIIStyles is the shared sheet of ASCII mode.
func ASCIIStyles() *Styles { return styleSheets()[2] }

// sharedStyles is the shared sheet for a dark or light background.
func SharedStyles(dark bool) *Styles {
	if dark {
		return styleSheets()[1]
	}
	return styleSheets()[0]
}

// NewStyles builds the styles for a dark or light background.
func NewStyles(dark bool) *Styles {
	ld := lipgloss.LightDark(dark)
	accent := ld(lipgloss.Color("#3F3BC1"), lipgloss.Color("#8C89FF"))
	red := ld(lipgloss.Color("#B3123B"), lipgloss.Color("#FF6B8B"))
	green := ld(lipgloss.Color("#0A7A52"), lipgloss.Color("#3DDC97"))
	amber := ld(lipgloss.Color("#8A5A00"), lipgloss.Color("#FFC25C"))
	faint := ld(lipgloss.Color("#666666"), lipgloss.Color("#9A9A9A"))
	barBg := ld(lipgloss.Color("#3F3BC1"), lipgloss.Color("#5A56E0"))
	barFg := lipgloss.Color("#FFFFFF")

	s := &Styles{Dark: dark}
	// Reverse keeps the bar visible without colour; the colours then paint
	// it (reverse swaps them, hence background given as foreground).
	s.Header = lipgloss.NewStyle().Reverse(true).Foreground(barBg).Background(barFg).Bold(true)
	s.HeaderDim = lipgloss.NewStyle().Reverse(true).Foreground(barBg).Background(barFg)
	s.Tab = lipgloss.NewStyle()
	s.TabActive = lipgloss.NewStyle().Reverse(true).Bold(true).Foreground(accent)
	s.TabMore = lipgloss.NewStyle().Bold(true)
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Subtitle = lipgloss.NewStyle().Bold(true)
	s.Muted = lipgloss.NewStyle().Faint(true).Foreground(faint)
	s.Label = lipgloss.NewStyle().Bold(true)
	s.Selected = lipgloss.NewStyle().Reverse(true).Bold(true)
	s.Error = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.Info = lipgloss.NewStyle().Foreground(green)
	s.Warn = lipgloss.NewStyle().Bold(true).Foreground(amber)
	s.Key = lipgloss.NewStyle().Bold(true)

	s.Help = help.DefaultStyles(dark)
	s.Help.ShortKey = s.Help.ShortKey.Bold(true)
	s.Help.FullKey = s.Help.FullKey.Bold(true)
	return s
}

// NewASCIIStyles builds the sheet of ASCII mode: the same attributes
// (bold, reverse video, faint) without any colour, so a vt100 shows every
// marker the colour sheets show.
func NewASCIIStyles() *Styles {
	plain := lipgloss.NewStyle()
	s := &Styles{ASCII: true}
	s.Header = plain.Reverse(true).Bold(true)
	s.HeaderDim = plain.Reverse(true)
	s.Tab = plain
	s.TabActive = plain.Reverse(true).Bold(true)
	s.TabMore = plain.Bold(true)
	s.Title = plain.Bold(true)
	s.Subtitle = plain.Bold(true)
	s.Muted = plain.Faint(true)
	s.Label = plain.Bold(true)
	s.Selected = plain.Reverse(true).Bold(true)
	s.Error = plain.Bold(true)
	s.Info = plain
	s.Warn = plain.Bold(true)
	s.Key = plain.Bold(true)
	s.Help = help.Styles{
		ShortKey: plain.Bold(true), ShortDesc: plain, ShortSeparator: plain,
		Ellipsis: plain, FullKey: plain.Bold(true), FullDesc: plain, FullSeparator: plain,
	}
	return s
}

// formTheme is huh's Charm theme with markers that survive the loss of
// colour: the focused button is bold and underlined, errors bold after
// their "*" marker. Each variant is made once per form: huh asks its theme
// for the styles on every field's every view (building the Charm theme
// anew was 5 % of the processor time of the screen tests), and it only
// reads them. A form is drawn and updated on its program's goroutine.
func formTheme() huh.Theme {
	var made [2]*huh.Styles // light, dark
	return huh.ThemeFunc(func(dark bool) *huh.Styles {
		i := 0
		if dark {
			i = 1
		}
		if made[i] == nil {
			made[i] = charmTheme(dark)
		}
		return made[i]
	})
}

func charmTheme(dark bool) *huh.Styles {
	t := huh.ThemeCharm(dark)
	t.Focused.Title = t.Focused.Title.Bold(true)
	t.Focused.FocusedButton = t.Focused.FocusedButton.Bold(true).Underline(true)
	t.Blurred.FocusedButton = t.Blurred.FocusedButton.Bold(true).Underline(true)
	t.Focused.ErrorMessage = t.Focused.ErrorMessage.Bold(true)
	t.Blurred.ErrorMessage = t.Blurred.ErrorMessage.Bold(true)
	return t
}
