package kit

// ChangedMsg tells the active screen that the clinic's data changed (a
// session booked, a payment marked, an expense paid), possibly by another
// user, another server instance or a scripted command: the server sends it
// when a change notification of the clinic arrives (store.Change through
// PostgreSQL LISTEN/NOTIFY). Screens that show such data reload on it.
// Entity is store.Change.Entity ("session", "payment", "expense"), or ""
// when unknown.
type ChangedMsg struct{ Entity string }

// Touches tells whether the change may concern a screen showing the given
// entities (an unknown entity concerns every screen).
func (m ChangedMsg) Touches(entities ...string) bool {
	if m.Entity == "" {
		return true
	}
	for _, e := range entities {
		if e == m.Entity {
			return true
		}
	}
	return false
}
