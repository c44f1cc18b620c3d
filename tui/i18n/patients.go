package i18n

// Patients: the patients screen (list, patient file, form).
type Patients struct {
	Search       string // prompt before the search box
	SearchHint   string // placeholder of the empty search box
	SortName     string
	SortNewest   string
	ShowActive   string // filter: not archived
	ShowArchived string // filter: archived only
	Page         string // page number, rows on it
	MorePages    string
	Empty        string
	NoMatches    string // search text

	ColName       string
	ColSurname    string
	ColAge        string
	ColPhone      string
	ColEmail      string
	ColStatus     string
	ColTherapist  string
	ColRegistered string

	StatusActive     string
	StatusDischarged string
	StatusSuspended  string
	Archived         string // marker of an archived patient

	KeySearch     string
	KeyDoneSearch string
	KeyOpen       string
	KeyNew        string
	KeyEdit       string
	KeyArchive    string
	KeyUnarchive  string
	KeyPurge      string
	KeySort       string
	KeyArchived   string
	KeyNextPage   string
	KeyPrevPage   string
	KeyTabs       string
	KeyMove       string

	TabData     string
	TabClinical string
	TabUpcoming string
	TabHistory  string
	TabPayments string

	ClinicalNotAllowed string
	Restricted         string // a specialist looking at someone else's patient
	NoSessions         string
	NoPayments         string
	Balance            string // amount
	BalanceHidden      string
	Paid               string
	Unpaid             string

	// Form and file labels (one per field of PRODUCT.md §4).
	FirstName        string
	Surname          string
	BirthDate        string
	Gender           string
	GenderNone       string
	GenderFemale     string
	GenderMale       string
	GenderOther      string
	Document         string
	Address          string
	Phone            string
	Email            string
	MaritalStatus    string
	Education        string
	CostSession      string
	Therapist        string
	TherapistNone    string
	MedicalDiagnosis string
	MedicalHistory   string
	Allergies        string
	Therapy          string
	EmergencyName    string
	EmergencyPhone   string
	Notes            string
	Status           string
	Registered       string
	Age              string // years
	ReadOnlyPersonal string // specialist's edit form: personal data is read-only

	NewTitle        string
	EditTitle       string
	ArchiveTitle    string
	ArchiveQuestion string // full name
	UnarchiveTitle  string
	UnarchiveQ      string // full name
	PurgeTitle      string
	PurgeQuestion   string // full name

	Created    string // full name
	Saved      string // full name
	ArchivedOK string // full name
	Restored   string // full name
	Purged     string // full name

	BadDate string // hint
}
