package i18n

import "github.com/dustin/go-humanize"

// Files: a patient's attachments (the patient file's tab, the scripted
// `patients files`, the SFTP door's refusals).
type Files struct {
	Tab     string // the patient file's tab
	Empty   string
	ColName string
	ColKind string
	ColSize string
	ColDate string
	ColBy   string
	Hint    string // how to upload: the connect line's user and host
	// Words for each store.AttachmentKind (Kind picks one).
	KindConsent, KindAdmin, KindPhoto, KindReferral, KindLab, KindClinical string
	TooLarge                                                               string // limit (e.g. "20 MiB")
	// ClinicalRefused: reception and a clinical folder; the clinical
	// kinds, the administrative ones.
	ClinicalRefused string
	FixedTree       string // mkdir, rmdir, rename: the tree is virtual
	NeedsKey        string // SFTP without a registered key
	// ArchiveRefused: an import refused; one of the Archive… words.
	ArchiveRefused                                                                          string
	ArchiveFormat, ArchiveVersion, ArchiveChecksum, ArchiveRows, ArchiveLayout, ArchiveFile string
}

// Kind names an attachment kind ("lab" → "laboratorio"); an unknown one as
// it is.
func (f Files) Kind(k string) string {
	w := map[string]string{"consent": f.KindConsent, "admin": f.KindAdmin, "photo": f.KindPhoto,
		"referral": f.KindReferral, "lab": f.KindLab, "clinical": f.KindClinical}[k]
	if w == "" {
		return k
	}
	return w
}

// Bytes is a file size for people: "512 B", "4.2 MiB".
func (l *Locale) Bytes(n int64) string {
	if n < 0 {
		n = 0
	}
	return humanize.IBytes(uint64(n))
}
