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
	Saved             string
	ConfirmDeactivate string // name
	ConfirmActivate   string // name
	Deactivated       string
	Activated         string
}

// Staff: the staff and keys screen.
type Staff struct {
	Empty             string
	ReadOnly          string
	ColName           string
	ColEmail          string
	ColRole           string
	ColActive         string
	ColLastLogin      string
	KeyKeys           string
	KeyCode           string
	KeySettings       string
	KeyRevoke         string
	KeyDone           string
	New               string
	Email             string
	Name              string
	Role              string
	Lang              string
	LangClinic        string
	HasPassword       string
	Created           string
	Saved             string
	ConfirmDeactivate string // name
	ConfirmActivate   string // name
	Deactivated       string
	Activated         string
	NewCode           string
	ConfirmCode       string // name
	CodeTitle         string
	CodeFor           string // name, e-mail
	CodeOnce          string
	CodeExpires       string // date and time
	CodeHowTo         string
	CodeSSH           string // schema
	CodeHowTo2        string
	Keys              string
	NoKeys            string
	ColFingerprint    string
	ColLabel          string
	ColKeyCreated     string
	ColLastUsed       string
	Revoke            string
	ConfirmRevoke     string // fingerprint, name
	Revoked           string
}

// ClinicSettings: the clinic settings page.
type ClinicSettings struct {
	Title        string
	Edit         string
	Name         string
	Timezone     string
	TimezoneHint string
	Currency     string
	CurrencyHint string
	Lang         string
	LangES       string // each language by its own name
	LangEN       string
	Duration     string
	DurationHint string
	Minutes      string // count
	Hours        string
	Start        string
	End          string
	TimeHint     string
	Days         string
	OverdueDays  string
	OverdueHint  string // min, max: days after a session when its unpaid payment is notified
	DaysCount    string // count
	BadTime      string
	BadTimezone  string
	BadNumber    string
	Saved        string
}

// Rooms: the rooms and equipment screen.
type Rooms struct {
	Empty             string
	ColName           string
	ColCapacity       string
	ColSpecialists    string
	ColEquipment      string
	ColActive         string
	KeyCatalog        string
	KeyAssign         string
	KeyInline         string
	KeyFromCatalog    string
	KeyRemove         string
	New               string
	Name              string
	Capacity          string
	Location          string
	BadNumber         string
	Saved             string
	ConfirmDeactivate string // name
	ConfirmActivate   string // name
	Deactivated       string
	Activated         string
	NoEquipment       string
	AssignTitle       string
	AssignHint        string
	NoSpecialists     string
	InlineTitle       string
	FromCatalogTitle  string
	EquipName         string
	EquipCode         string
	EquipCodeHint     string
	Quantity          string
	EquipAdded        string
	Remove            string
	ConfirmRemove     string // equipment, room
	Removed           string
	Catalog           string
	CatalogEmpty      string
	NewEquipment      string
	InRooms           string
}

// ClinicAudit: the clinic's audit log screen.
type ClinicAudit struct {
	Empty            string
	Rows             string // count
	MoreBelow        string
	NoFilter         string
	Filter           string
	ColWhen          string
	ColUser          string
	ColAction        string
	ColEntity        string
	User             string
	Entity           string
	Action           string
	From             string
	KeyFilter        string
	KeyMore          string
	FilterTitle      string
	FilterUser       string
	FilterHint       string
	FilterEntity     string
	FilterEntityHint string
	FilterAction     string
	FilterActionHint string
	RowTitle         string // id
	Detail           string
	NoDetail         string
}
