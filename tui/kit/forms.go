package kit

import (
	"errors"
	"image/color"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// NewForm makes a huh form ready to embed in a screen: the app's theme, key
// help in the user's language, no help footer of its own (the shell's help
// line shows FormKeys instead), never accessible mode (huh switches to it
// when the *server* runs with TERM=dumb), esc cancels (huh.StateAborted)
// and ctrl+c is left to the shell.
//
// Embed it: call env.StartForm(form) when showing it, pass every message to
// UpdateForm, and check form.State afterwards (huh.StateCompleted /
// huh.StateAborted). Never call form.Run(): it would take over the
// session's terminal. Give it a width with WithWidth (the body's width, or
// less).
func NewForm(m *i18n.Messages, groups ...*huh.Group) *huh.Form {
	return huh.NewForm(groups...).
		WithAccessible(false).
		WithTheme(formTheme()).
		WithKeyMap(formKeyMap(m)).
		WithShowHelp(false).
		WithShowErrors(true)
}

// startForm runs f.Init and tells the form whether the background is dark
// (huh only learns it from a tea.BackgroundColorMsg, which may have come
// before the form existed).
func StartForm(f *huh.Form, dark bool) tea.Cmd {
	init := f.Init()
	var bg color.Color = color.White
	if dark {
		bg = color.Black
	}
	return tea.Batch(init, UpdateForm(f, tea.BackgroundColorMsg{Color: bg}))
}

// SizeForm gives an embedded form its width and the most lines it may take
// (huh uses fewer when the fields need fewer, and scrolls the focused
// field into view when they need more).
func SizeForm(f *huh.Form, w, h int) tea.Cmd {
	f.WithWidth(w)
	return UpdateForm(f, tea.WindowSizeMsg{Width: w, Height: h})
}

// NewText is huh.NewText with the external editor switched off (ctrl+e
// would open $EDITOR on the server). Always use it instead of huh.NewText.
func NewText() *huh.Text { return huh.NewText().ExternalEditor(false) }

// UpdateForm passes msg to an embedded form and returns its command.
func UpdateForm(f *huh.Form, msg tea.Msg) tea.Cmd {
	_, cmd := f.Update(msg)
	return cmd
}

// FormKeys are the bindings the focused field of f answers to now, for the
// help line.
func FormKeys(f *huh.Form) []key.Binding {
	if f == nil || f.State != huh.StateNormal {
		return nil
	}
	var out []key.Binding
	for _, b := range f.KeyBinds() {
		if b.Enabled() && b.Help().Key != "" {
			out = append(out, b)
		}
	}
	return out
}

func formKeyMap(m *i18n.Messages) *huh.KeyMap {
	f := m.Form
	km := huh.NewDefaultKeyMap()
	// ctrl+c belongs to the shell (it ends the session); esc cancels a form.
	km.Quit = Key(f.Cancel, "esc")
	help := func(b *key.Binding, desc string) { b.SetHelp(b.Help().Key, desc) }

	help(&km.Input.Prev, f.Prev)
	help(&km.Input.Next, f.Next)
	help(&km.Input.Submit, f.Submit)
	help(&km.Input.AcceptSuggestion, f.Complete)

	help(&km.Text.Prev, f.Prev)
	help(&km.Text.Next, f.Next)
	help(&km.Text.Submit, f.Submit)
	help(&km.Text.NewLine, f.NewLine)
	// Text fields must never offer $EDITOR: it would run on the server.
	km.Text.Editor = key.NewBinding(key.WithDisabled())

	for _, b := range []*key.Binding{&km.Select.Prev, &km.MultiSelect.Prev, &km.Note.Prev, &km.Confirm.Prev} {
		help(b, f.Prev)
	}
	for _, b := range []*key.Binding{&km.Select.Submit, &km.MultiSelect.Submit, &km.Note.Submit, &km.Confirm.Submit} {
		help(b, f.Submit)
	}
	help(&km.Select.Next, f.Select)
	help(&km.MultiSelect.Next, f.Next)
	help(&km.Note.Next, f.Next)
	help(&km.Confirm.Next, f.Next)
	help(&km.Select.Up, f.Up)
	help(&km.Select.Down, f.Down)
	help(&km.Select.Left, f.Prev)
	help(&km.Select.Right, f.Next)
	help(&km.MultiSelect.Up, f.Up)
	help(&km.MultiSelect.Down, f.Down)
	help(&km.Select.Filter, f.Filter)
	help(&km.MultiSelect.Filter, f.Filter)
	help(&km.MultiSelect.Toggle, f.Toggle)
	help(&km.Confirm.Toggle, f.Toggle)
	km.Confirm.Accept = key.NewBinding(key.WithKeys(f.YesKey, strings.ToUpper(f.YesKey), "y", "Y"), key.WithHelp(f.YesKey, f.Yes))
	help(&km.Confirm.Reject, f.No)
	return km
}

// ErrorFields are the fields (the store's snake_case names) that err says
// are wrong: a ValidationError's fields or a ConflictError's field.
func ErrorFields(err error) map[string]bool {
	out := map[string]bool{}
	var ve *store.ValidationError
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ve):
		for f := range ve.Fields {
			out[f] = true
		}
	case errors.As(err, &ce) && ce.Field != "":
		out[ce.Field] = true
	}
	return out
}

// FocusField moves a started form to the first field whose huh Key is in
// keys (going through its groups), so that after a failed save the form
// opens on the field the store refused and huh scrolls it into view. build
// makes a throwaway copy of the form, walked first: huh has no way to ask
// whether a group is the last, and moving past the last one submits.
// Nothing moves when no field has one of keys.
func FocusField(f *huh.Form, build func() *huh.Form, keys map[string]bool) tea.Cmd {
	if len(keys) == 0 || !walkTo(build(), keys, true) {
		return nil
	}
	var cmds []tea.Cmd
	walkTo(f, keys, false, &cmds)
	return tea.Batch(cmds...)
}

// walkTo advances f field by field until the focused field's key is in
// keys; it reports whether it got there. dry forms are initialised first
// and their commands dropped.
func walkTo(f *huh.Form, keys map[string]bool, dry bool, cmds ...*[]tea.Cmd) bool {
	if dry {
		_ = f.Init()
	}
	keep := func(c tea.Cmd) {
		if len(cmds) > 0 && c != nil {
			*cmds[0] = append(*cmds[0], c)
		}
	}
	for range 500 { // bounded: a form has far fewer fields
		cur := f.GetFocusedField()
		if cur == nil || f.State != huh.StateNormal {
			return false
		}
		if keys[cur.GetKey()] {
			return true
		}
		c := f.NextField()
		if f.GetFocusedField() != cur {
			keep(c)
			continue
		}
		// The last field of a group: the command it returned would move
		// to the next group later; move now instead.
		keep(f.NextGroup())
		if f.GetFocusedField() == cur {
			return false // the group did not let go (a field is invalid)
		}
	}
	return false
}
