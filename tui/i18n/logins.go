package i18n

// Logins: the open sessions page (from the staff screen).
type Logins struct {
	Title      string
	Empty      string
	ColUser    string
	ColDoor    string
	ColAddr    string
	ColSince   string
	ColLast    string
	DoorTUI    string
	DoorCmd    string
	This       string // marks the session showing the page
	Key        string // the staff screen's key that opens the page
	KeyEnd     string
	ConfirmEnd string // user, address
	Ended      string
}
