package i18n

// Texts of the administration screens: specialists, rooms and equipment,
// staff and keys, clinic settings, audit log.

// Admin: words shared by the administration screens.
type Admin struct {
	Active     string
	Inactive   string
	State      string
	Created    string
	Never      string
	None       string
	KeyMove    string
	KeyOpen    string
	KeyNew     string
	KeyEdit    string
	KeyActive  string
	KeyReload  string
	KeyRemove  string
	Activate   string
	Deactivate string
}

// Specialists: the specialists screen.
type Specialists struct {
	Empty             string
	Count             string // active count, limit
	ColName           string
	ColSpecialty      string
	ColDocument       string
	ColComp           string
	ColActive         string
	New               string
	FirstName         string
	LastName          string
	Specialty         string
	Document          string
	Phone             string
	Email             string
	User              string
	UserHint          string
	NoUser            string
	CompType          string
	CompFixed         string
	CompPercent       string
	CompValue         string
	CompValueHint     string
	PerMonth          string
	NotANumber        string
	Saved             string
	ConfirmDeactivate string // name
	ConfirmActivate   string // name
	Deactivated       string
	Activated         string
}
