package kit

// Shared pieces of the administration screens (specialists, rooms, staff,
// settings, audit): "Label: value" detail blocks and cutting text to a
// width. Their lists are Tables with Marker set.

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// cut shortens s to at most w cells, ending in "…" when something is left
// out. s must be plain text (sanitized, no styles).
func AdmCut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= w {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := lipgloss.Width(string(r))
		if used+rw > w-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	return b.String() + "…"
}

// field is one "Label: value" line of a detail page (value sanitized).
type AdmField struct{ Label, Value string }

// admFields draws detail lines with the labels aligned, cut to w.
func AdmFields(st *Styles, w int, fields []AdmField) string {
	lw := 0
	for _, f := range fields {
		lw = max(lw, lipgloss.Width(f.Label))
	}
	lines := make([]string, len(fields))
	for i, f := range fields {
		lines[i] = " " + st.Label.Render(Cell(f.Label+":", lw+1, false)) + " " + AdmCut(f.Value, max(w-lw-4, 1))
	}
	return strings.Join(lines, "\n")
}

// admCanManage tells whether the actor may change staff, specialists, rooms and
// settings (the store refuses the others anyway: this only hides keys).
func AdmCanManage(env *Env) bool { return env.Actor.MayManageClinic() }

// admActive says "active" or "inactive" in the user's language.
func AdmActive(env *Env, active bool) string {
	if active {
		return env.M.Admin.Active
	}
	return env.M.Admin.Inactive
}
