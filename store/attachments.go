package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// AttachmentKind is the category of a patient's file. It decides who may
// read and write it (Actor.MayReadAttachment, MayWriteAttachment) and is the
// folder the file lives in over SFTP (/patients/<id>/<kind>/<name>).
type AttachmentKind string

// Attachment kinds. Consent forms and other administrative papers (copies
// of an identity document, insurance, receipts) are the desk's business;
// the rest carry clinical information.
const (
	KindConsent  AttachmentKind = "consent"
	KindAdmin    AttachmentKind = "admin"
	KindPhoto    AttachmentKind = "photo"
	KindReferral AttachmentKind = "referral"
	KindLab      AttachmentKind = "lab"
	KindClinical AttachmentKind = "clinical"
)

// AttachmentKinds lists every kind, administrative ones first.
func AttachmentKinds() []AttachmentKind {
	return []AttachmentKind{KindConsent, KindAdmin, KindPhoto, KindReferral, KindLab, KindClinical}
}

// Valid tells whether k is a known kind.
func (k AttachmentKind) Valid() bool {
	for _, v := range AttachmentKinds() {
		if k == v {
			return true
		}
	}
	return false
}

// Clinical tells whether files of this kind are part of the clinical record
// (PRODUCT.md §4: not for reception).
func (k AttachmentKind) Clinical() bool {
	return k.Valid() && k != KindConsent && k != KindAdmin
}

// AttachmentChunkSize is the size of one stored piece of a file's content.
const AttachmentChunkSize = 1 << 20

// maxAttachmentName bounds a file name (bytes), as most file systems do.
const maxAttachmentName = 255

// Attachment is one stored file of a patient (without its content).
type Attachment struct {
	ID        int64          `json:"id"`
	PatientID int64          `json:"patient_id"`
	Kind      AttachmentKind `json:"kind"`
	Name      string         `json:"name"`
	Size      int64          `json:"size"`
	SHA256    string         `json:"sha256"` // hex
	CreatedBy string         `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
}

// TooLargeError: a file is over the installation's size limit.
type TooLargeError struct {
	Limit int64 // bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the file is larger than the limit of %d bytes", e.Limit)
}

// Code is CodeLimit.
func (e *TooLargeError) Code() Code { return CodeLimit }

// AttachmentMaxBytes is the largest file the installation stores.
func (db *DB) AttachmentMaxBytes() int64 {
	if db.attachmentMax > 0 {
		return db.attachmentMax
	}
	return DefaultAttachmentMaxBytes
}

// CheckAttachmentSize refuses a size over the limit; doors that receive a
// file in pieces call it as the pieces arrive, so an upload stops at the
// limit instead of after it.
func (db *DB) CheckAttachmentSize(size int64) error {
	if size > db.AttachmentMaxBytes() {
		return &TooLargeError{Limit: db.AttachmentMaxBytes()}
	}
	return nil
}

// AttachmentRef names a file: patient, kind (folder) and name.
type AttachmentRef struct {
	PatientID int64
	Kind      AttachmentKind
	Name      string
}

// check validates the reference's kind and name (never a path: no '/', no
// "." or "..", no control or invisible characters).
func (r AttachmentRef) check() error {
	if !r.Kind.Valid() {
		return invalid("kind", ReasonOneOf, kindList())
	}
	switch {
	case r.Name == "", r.Name == ".", r.Name == "..":
		return invalid("name", ReasonRequired)
	case len(r.Name) > maxAttachmentName:
		return invalid("name", ReasonTooLong, maxAttachmentName)
	case !utf8.ValidString(r.Name), strings.ContainsAny(r.Name, `/\`):
		// A name, never a path.
		return invalid("name", ReasonBadText)
	}
	return CheckText("name", r.Name, false)
}

func kindList() string {
	ks := AttachmentKinds()
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// attachmentPatient loads the patient a file belongs to, shaped for the
// actor (ownership decides a specialist's rights).
func (t *Tenant) attachmentPatient(ctx context.Context, tx pgx.Tx, actor Actor, id int64, forUpdate bool) (Patient, error) {
	p, own, err := loadPatient(ctx, tx, actor, id, forUpdate)
	if err != nil {
		return Patient{}, err
	}
	return t.shapeFor(actor, p, own), nil
}

// AttachmentFolders lists the kinds of files of the patient the actor may
// read (the folders /patients/<id>/ shows). A patient the actor may read no
// file of is not found, as for a patient that does not exist.
func (t *Tenant) AttachmentFolders(ctx context.Context, actor Actor, patientID int64) ([]AttachmentKind, error) {
	var out []AttachmentKind
	err := t.tx(ctx, func(tx pgx.Tx) error {
		p, err := t.attachmentPatient(ctx, tx, actor, patientID, false)
		if err != nil {
			return err
		}
		for _, k := range AttachmentKinds() {
			if actor.MayReadAttachment(p, k) {
				out = append(out, k)
			}
		}
		if len(out) == 0 {
			return fmt.Errorf("patient %d: %w", patientID, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return nil, clinicErr("attachment folders", err)
	}
	return out, nil
}

const attachmentColumns = `a.id, a.patient_id, a.kind, a.name, a.size, a.sha256, coalesce(u.email::text, ''), a.created_at`

const attachmentFrom = ` from attachments a left join users u on u.id = a.created_by`

func scanAttachment(row pgx.Row) (Attachment, error) {
	var a Attachment
	var sum []byte
	err := row.Scan(&a.ID, &a.PatientID, &a.Kind, &a.Name, &a.Size, &sum, &a.CreatedBy, &a.CreatedAt)
	a.SHA256 = hex.EncodeToString(sum)
	return a, err
}

// Attachments lists the patient's files the actor may read (kind "" : all
// of them; else that folder), newest first. The listing is audited: file
// names of a clinical record are part of it.
func (t *Tenant) Attachments(ctx context.Context, actor Actor, patientID int64, kind AttachmentKind) ([]Attachment, error) {
	if kind != "" && !kind.Valid() {
		return nil, invalid("kind", ReasonOneOf, kindList())
	}
	out := []Attachment{}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		p, err := t.attachmentPatient(ctx, tx, actor, patientID, false)
		if err != nil {
			return err
		}
		var kinds []string
		for _, k := range AttachmentKinds() {
			if (kind == "" || k == kind) && actor.MayReadAttachment(p, k) {
				kinds = append(kinds, string(k))
			}
		}
		if len(kinds) == 0 {
			return t.refuseAttachment(actor, p, cmp.Or(kind, KindClinical), "reading")
		}
		rows, err := tx.Query(ctx, `select `+attachmentColumns+attachmentFrom+`
			where a.patient_id = $1 and a.kind = any($2) order by a.created_at desc, a.id desc`, patientID, kinds)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Attachment, error) { return scanAttachment(r) }); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "list", "attachment", patientID, map[string]any{"kinds": kinds, "count": len(out)})
	})
	if err != nil {
		return nil, clinicErr("list attachments", err)
	}
	return out, nil
}

// StatAttachment describes one file the actor may read, without its content.
func (t *Tenant) StatAttachment(ctx context.Context, actor Actor, ref AttachmentRef) (Attachment, error) {
	var out Attachment
	err := t.readAttachment(ctx, actor, ref, func(tx pgx.Tx, a Attachment) error {
		out = a
		return nil
	})
	return out, clinicErr("attachment", err)
}

// ReadAttachment returns one file and its content; the read is audited in
// the same transaction. The content is checked against the stored SHA-256.
func (t *Tenant) ReadAttachment(ctx context.Context, actor Actor, ref AttachmentRef) (Attachment, []byte, error) {
	var (
		out  Attachment
		data []byte
	)
	err := t.readAttachment(ctx, actor, ref, func(tx pgx.Tx, a Attachment) error {
		out = a
		buf := bytes.NewBuffer(make([]byte, 0, a.Size))
		rows, err := tx.Query(ctx, `select data from attachment_chunks where attachment_id = $1 order by seq`, a.ID)
		if err != nil {
			return err
		}
		var chunk []byte
		if _, err := pgx.ForEachRow(rows, []any{&chunk}, func() error {
			buf.Write(chunk)
			return nil
		}); err != nil {
			return err
		}
		sum := sha256.Sum256(buf.Bytes())
		if int64(buf.Len()) != a.Size || hex.EncodeToString(sum[:]) != a.SHA256 {
			return fmt.Errorf("attachment %d: stored content does not match its checksum", a.ID)
		}
		data = buf.Bytes()
		return audit(ctx, tx, actor, "read", "attachment", a.ID, map[string]any{"patient_id": a.PatientID, "kind": a.Kind, "name": a.Name})
	})
	if err != nil {
		return Attachment{}, nil, clinicErr("read attachment", err)
	}
	return out, data, nil
}

func (t *Tenant) readAttachment(ctx context.Context, actor Actor, ref AttachmentRef, fn func(pgx.Tx, Attachment) error) error {
	if err := ref.check(); err != nil {
		return err
	}
	return t.tx(ctx, func(tx pgx.Tx) error {
		p, err := t.attachmentPatient(ctx, tx, actor, ref.PatientID, false)
		if err != nil {
			return err
		}
		if !actor.MayReadAttachment(p, ref.Kind) {
			return t.refuseAttachment(actor, p, ref.Kind, "reading")
		}
		a, err := scanAttachment(tx.QueryRow(ctx, `select `+attachmentColumns+attachmentFrom+`
			where a.patient_id = $1 and a.kind = $2 and a.name = $3`, ref.PatientID, ref.Kind, ref.Name))
		if err != nil {
			return notFound(err, EntityAttachment, ref.Name)
		}
		return fn(tx, a)
	})
}

// refuseAttachment is the answer to a file the actor may not touch: a
// patient they may see no file of is not found (nothing to learn about it);
// otherwise the role's refusal.
func (t *Tenant) refuseAttachment(actor Actor, p Patient, kind AttachmentKind, verb string) error {
	for _, k := range AttachmentKinds() {
		if actor.MayReadAttachment(p, k) {
			if kind.Clinical() {
				return forbidden(verb + " clinical files")
			}
			return forbidden(verb + " files of this patient")
		}
	}
	return fmt.Errorf("patient %d: %w", p.ID, ErrNotFound)
}

// CheckAttachmentWrite tells, before any byte is sent, whether the actor
// may store a file under ref (rights, name, not already there): a door
// refuses an upload at its start instead of at its end. PutAttachment
// checks all of it again.
func (t *Tenant) CheckAttachmentWrite(ctx context.Context, actor Actor, ref AttachmentRef) error {
	if err := ref.check(); err != nil {
		return err
	}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		return t.checkWrite(ctx, tx, actor, ref, false)
	})
	return clinicErr("check attachment", err)
}

func (t *Tenant) checkWrite(ctx context.Context, tx pgx.Tx, actor Actor, ref AttachmentRef, lock bool) error {
	p, err := t.attachmentPatient(ctx, tx, actor, ref.PatientID, lock)
	if err != nil {
		return err
	}
	if !actor.MayWriteAttachment(p, ref.Kind) {
		return t.refuseAttachment(actor, p, ref.Kind, "uploading")
	}
	var exists bool
	if err := tx.QueryRow(ctx, `select exists (select 1 from attachments where patient_id = $1 and kind = $2 and name = $3)`,
		ref.PatientID, ref.Kind, ref.Name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		// Files are records: never overwritten; upload under another name.
		return conflict("name", ReasonTaken)
	}
	return nil
}

// PutAttachment stores a new file of a patient: size limit, role rules,
// name checks, then the file, its chunks and the audit row in one
// transaction. An existing name is a conflict (files are records: never
// overwritten).
func (t *Tenant) PutAttachment(ctx context.Context, actor Actor, ref AttachmentRef, data []byte) (Attachment, error) {
	if err := ref.check(); err != nil {
		return Attachment{}, err
	}
	if err := t.db.CheckAttachmentSize(int64(len(data))); err != nil {
		return Attachment{}, err
	}
	sum := sha256.Sum256(data)
	var out Attachment
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := t.checkWrite(ctx, tx, actor, ref, true); err != nil {
			return err
		}
		var uid *int64
		if actor.UserID != 0 {
			uid = &actor.UserID
		}
		var id int64
		err := tx.QueryRow(ctx, `insert into attachments (patient_id, kind, name, size, sha256, created_by, created_at)
			values ($1, $2, $3, $4, $5, $6, $7) returning id`,
			ref.PatientID, ref.Kind, ref.Name, len(data), sum[:], uid, t.db.now()).Scan(&id)
		if pgCode(err) == pgUniqueViolation {
			return conflict("name", ReasonTaken)
		}
		if err != nil {
			return err
		}
		rows := make([][]any, 0, len(data)/AttachmentChunkSize+1)
		for seq, off := 0, 0; off < len(data) || seq == 0; seq, off = seq+1, off+AttachmentChunkSize {
			end := min(off+AttachmentChunkSize, len(data))
			rows = append(rows, []any{id, seq, data[off:end]})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"attachment_chunks"}, []string{"attachment_id", "seq", "data"},
			pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("store chunks: %w", err)
		}
		if out, err = scanAttachment(tx.QueryRow(ctx, `select `+attachmentColumns+attachmentFrom+` where a.id = $1`, id)); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "create", "attachment", id, map[string]any{
			"patient_id": ref.PatientID, "kind": ref.Kind, "name": ref.Name, "size": len(data), "sha256": out.SHA256})
	})
	if err != nil {
		return Attachment{}, clinicErr("store attachment", err)
	}
	return out, nil
}

// DeleteAttachment removes a file for good (admin only; audited with its
// name and checksum).
func (t *Tenant) DeleteAttachment(ctx context.Context, actor Actor, ref AttachmentRef) error {
	if !actor.MayDeleteAttachments() {
		return forbidden("deleting files")
	}
	err := t.readAttachment(ctx, actor, ref, func(tx pgx.Tx, a Attachment) error {
		if _, err := tx.Exec(ctx, `delete from attachments where id = $1`, a.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "delete", "attachment", a.ID, map[string]any{
			"patient_id": a.PatientID, "kind": a.Kind, "name": a.Name, "size": a.Size, "sha256": a.SHA256})
	})
	return clinicErr("delete attachment", err)
}

// AttachmentPatients lists the ids of the patients with files the actor
// may read (at most MaxPageSize, lowest ids first): what /patients shows
// over SFTP. Any patient's folder can be opened by its id.
func (t *Tenant) AttachmentPatients(ctx context.Context, actor Actor) ([]int64, error) {
	var kinds []string
	for _, k := range AttachmentKinds() {
		// A specialist's rights depend on the patient: the SQL filter below.
		if actor.MayReadAttachment(Patient{ClinicalVisible: true}, k) {
			kinds = append(kinds, string(k))
		}
	}
	if len(kinds) == 0 {
		return nil, forbidden("reading files")
	}
	q := `select distinct a.patient_id from attachments a join patients p on p.id = a.patient_id where a.kind = any($1)`
	args := []any{kinds}
	if actor.Role == RoleSpecialist {
		q += ` and ` + fmt.Sprintf(ownPatientsFilter, "$2")
		args = append(args, actor.SpecialistID)
	}
	q += fmt.Sprintf(` order by 1 limit %d`, MaxPageSize)
	var out []int64
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return nil, clinicErr("patients with files", err)
	}
	return out, nil
}
