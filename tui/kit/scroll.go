package kit

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"consultorio/tui/i18n"
)

// Scroll shows a page taller than its window one window at a time (bubbles'
// viewport): ↑/↓ move a line, pgup/pgdown a page, home/end go to the ends.
// The keys are offered only while something is out of view, so a page that
// fits looks exactly as it did without one.
type Scroll struct {
	vp   viewport.Model
	keys viewport.KeyMap
	help key.Binding
	// show is a range of lines to bring into view at the next View (the
	// window only knows the page's lines then).
	show *[2]int
}

// NewScroll makes a Scroll whose help line speaks m's language.
func NewScroll(m *i18n.Messages) Scroll {
	km := viewport.KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k")),
		Down:     key.NewBinding(key.WithKeys("down", "j")),
		PageUp:   key.NewBinding(key.WithKeys("pgup")),
		PageDown: key.NewBinding(key.WithKeys("pgdown")),
		// Disabled: letters belong to the screens that embed a Scroll.
		HalfPageUp:   key.NewBinding(key.WithDisabled()),
		HalfPageDown: key.NewBinding(key.WithDisabled()),
		Left:         key.NewBinding(key.WithDisabled()),
		Right:        key.NewBinding(key.WithDisabled()),
	}
	vp := viewport.New()
	vp.KeyMap = km
	vp.MouseWheelEnabled = false
	return Scroll{vp: vp, keys: km, help: KeyShown("↑/↓", m.Shell.KeyScroll, "up", "down", "pgup", "pgdown", "home", "end")}
}

// View is the part of content (lines of at most w cells) that fits in h
// lines at the current position.
func (s *Scroll) View(content string, w, h int) string {
	s.vp.SetWidth(max(w, 1))
	s.vp.SetHeight(max(h, 1))
	s.vp.SetContent(content)
	if r := s.show; r != nil {
		s.show = nil
		top, h := s.vp.YOffset(), s.vp.Height()
		switch {
		case r[0] < top:
			s.vp.SetYOffset(r[0])
		case r[1] >= top+h:
			s.vp.SetYOffset(min(r[1]-h+1, r[0]))
		}
	}
	return s.vp.View()
}

// Update moves the window for a scrolling key; it reports whether k was
// one (false while everything fits: the key is left to the screen).
func (s *Scroll) Update(k tea.KeyPressMsg) bool {
	if !s.Scrollable() {
		return false
	}
	switch {
	case k.String() == "home":
		s.vp.GotoTop()
	case k.String() == "end":
		s.vp.GotoBottom()
	case key.Matches(k, s.keys.Up, s.keys.Down, s.keys.PageUp, s.keys.PageDown):
		s.vp, _ = s.vp.Update(k)
	default:
		return false
	}
	return true
}

// Scrollable tells whether the last View left something out.
func (s *Scroll) Scrollable() bool { return s.vp.TotalLineCount() > s.vp.Height() }

// Show brings lines from..to (0-based, inclusive) into view at the next
// View, moving the window the least; from wins when they do not all fit.
func (s *Scroll) Show(from, to int) { s.show = &[2]int{from, to} }

// Offset is the first line in view.
func (s *Scroll) Offset() int { return s.vp.YOffset() }

// Keys are the scrolling keys for the help line: none when all fits.
func (s *Scroll) Keys() []key.Binding {
	if !s.Scrollable() {
		return nil
	}
	return []key.Binding{s.help}
}
