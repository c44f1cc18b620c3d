package store

// Who may do what: the roles matrix of PRODUCT.md §4, written once. The
// store's operations check these before they do anything; the TUI calls the
// same functions to decide which screens, keys and fields to show (hiding is
// a convenience there, never the protection), and so do the scripted
// commands. TestPermissionMatrix holds them to the matrix.
//
//	capability                                        admin  specialist     reception
//	patients: demographics, contacts                  rw     r (own)        rw
//	patients: clinical fields                         rw     rw (own)       —
//	agenda, book / reschedule / cancel                all    own            all
//	session plan and result, complete                 all    own            —
//	payments: mark paid / unpaid, payment log         rw     r (own)        rw
//	receipts                                          all    own            all
//	cash close, patient statements                    r      —              r
//	expenses, finance dashboard, payroll              rw     —              —
//	staff, specialists, rooms, equipment, settings    rw     —              r
//	audit log                                         r      —              —
//
// "Own" for a specialist is decided with the specialist record linked to the
// user: a user without one owns nothing.

// MayWritePatients: registering, editing the personal data of, archiving
// and restoring patients (admin and reception).
func (a Actor) MayWritePatients() bool {
	return a.Role == RoleAdmin || a.Role == RoleReception
}

// MayPurgePatients: deleting an archived patient for good (admin).
func (a Actor) MayPurgePatients() bool { return a.Role == RoleAdmin }

// MayReadClinical tells whether the actor's role can ever read patients'
// clinical fields (admin: all patients; specialist: their own). Reception
// never can. Which patients a specialist may read is decided per patient
// (Patient.ClinicalVisible).
func (a Actor) MayReadClinical() bool {
	return a.Role == RoleAdmin || a.Role == RoleSpecialist
}

// MayEditClinical tells whether the actor may write the clinical fields of
// p (nil: a patient being registered): an admin always, a specialist for
// their own patients — the ones whose clinical record the store showed them.
func (a Actor) MayEditClinical(p *Patient) bool {
	switch a.Role {
	case RoleAdmin:
		return true
	case RoleSpecialist:
		return p != nil && p.ClinicalVisible && a.SpecialistID != 0
	}
	return false
}

// MayBook: booking, rescheduling and cancelling sessions of that specialist
// (admin and reception: anyone's; a specialist: their own).
func (a Actor) MayBook(specialistID int64) bool {
	switch a.Role {
	case RoleAdmin, RoleReception:
		return true
	case RoleSpecialist:
		return a.isSpecialist(specialistID)
	}
	return false
}

// MayRecord: a session's plan and result, and completing it (admin: any
// session; a specialist: their own; reception never).
func (a Actor) MayRecord(specialistID int64) bool {
	switch a.Role {
	case RoleAdmin:
		return true
	case RoleSpecialist:
		return a.isSpecialist(specialistID)
	}
	return false
}

// MayReopen: reopening a completed session (admin; logged).
func (a Actor) MayReopen() bool { return a.Role == RoleAdmin }

// MaySeeSessionsOf: the sessions (and their payments) of that specialist
// (admin and reception: anyone's; a specialist: their own).
func (a Actor) MaySeeSessionsOf(specialistID int64) bool {
	switch a.Role {
	case RoleAdmin, RoleReception:
		return true
	case RoleSpecialist:
		return a.isSpecialist(specialistID)
	}
	return false
}

// MaySeePlans: the plan and result fields of sessions — clinical notes —
// are not for reception.
func (a Actor) MaySeePlans() bool { return a.Role == RoleAdmin || a.Role == RoleSpecialist }

// MayWritePayments: marking payments paid or unpaid (admin and reception;
// a specialist only reads those of their sessions).
func (a Actor) MayWritePayments() bool {
	return a.Role == RoleAdmin || a.Role == RoleReception
}

// MayCloseCash: a day's cash close (admin and reception; a specialist
// takes no money at the desk).
func (a Actor) MayCloseCash() bool { return a.Role == RoleAdmin || a.Role == RoleReception }

// MayIssueStatements: a patient's statement of sessions, payments and
// balance (admin and reception).
func (a Actor) MayIssueStatements() bool { return a.Role == RoleAdmin || a.Role == RoleReception }

// MayManageFinance: expenses, the finance dashboard and payroll (admin).
func (a Actor) MayManageFinance() bool { return a.Role == RoleAdmin }

// MaySeeSpecialistPay: a specialist's compensation is payroll — the admin's —
// and the specialist's own business; reception reads the specialists'
// records without it, colleagues see neither.
func (a Actor) MaySeeSpecialistPay(specialistID int64) bool {
	return a.Role == RoleAdmin || (a.Role == RoleSpecialist && a.isSpecialist(specialistID))
}

// MaySeeClinicSetup: reading staff users, specialists, rooms and equipment
// (admin and reception).
func (a Actor) MaySeeClinicSetup() bool {
	return a.Role == RoleAdmin || a.Role == RoleReception
}

// MaySeeOutbox: reading the clinic's outgoing e-mail and resending a
// message (admin and reception, who deal with patients and staff).
func (a Actor) MaySeeOutbox() bool { return a.Role == RoleAdmin || a.Role == RoleReception }

// MayManageClinic: creating and changing staff users, specialists, rooms,
// equipment and the clinic settings (admin).
func (a Actor) MayManageClinic() bool { return a.Role == RoleAdmin }

// MayManageKeysOf: the login credentials of that staff user — SSH keys,
// second factor — (their own, or anyone's for an admin).
func (a Actor) MayManageKeysOf(userID int64) bool {
	return a.Role == RoleAdmin || (a.Role.Valid() && a.UserID != 0 && a.UserID == userID)
}

// MayChangePasswordOf: the password of that staff user, knowing the
// current one — only one's own, whatever the role (an admin who forgot
// nothing of another user's password gives them a new setup code instead).
func (a Actor) MayChangePasswordOf(userID int64) bool {
	return a.Role.Valid() && a.UserID != 0 && a.UserID == userID
}

// MayUnlockUsers: lifting a staff user's lockout after failed logins
// (admin).
func (a Actor) MayUnlockUsers() bool { return a.Role == RoleAdmin }

// MayReadAudit: the clinic's audit log (admin).
func (a Actor) MayReadAudit() bool { return a.Role == RoleAdmin }

// MaySeeAllLogins tells whether the actor sees every staff user's open
// sessions (admins); everyone sees their own.
func (a Actor) MaySeeAllLogins() bool { return a.Role == RoleAdmin }

// MayEndLogin tells whether the actor may end an open session of the user
// with id owner: their own, or anybody's for an admin.
func (a Actor) MayEndLogin(owner int64) bool {
	return a.Role == RoleAdmin || (a.UserID != 0 && a.UserID == owner)
}

// MayEndOperatorLogin tells whether the operator may end the panel session
// of the operator with id owner: only their own (operators end clinics'
// sessions with EndClinicLogin).
func (a OperatorActor) MayEndOperatorLogin(owner int64) bool {
	return a.OperatorID != 0 && a.OperatorID == owner
}

// MayReadAttachment: reading (listing, downloading) the files of kind k of
// patient p as the store shaped p for the actor: an admin all of them;
// reception the administrative ones (consent forms, papers), never clinical
// ones; a specialist every file of their own patients (the ones whose
// clinical record the store showed them), none of anybody else's.
func (a Actor) MayReadAttachment(p Patient, k AttachmentKind) bool {
	if !k.Valid() {
		return false
	}
	switch a.Role {
	case RoleAdmin:
		return true
	case RoleReception:
		return !k.Clinical()
	case RoleSpecialist:
		return p.ClinicalVisible && a.SpecialistID != 0
	}
	return false
}

// MayWriteAttachment: uploading a file of kind k for patient p: an admin
// any; reception administrative ones (they write the patient's personal
// data); a specialist clinical ones of their own patients (they write those
// patients' clinical record, and only read their personal data).
func (a Actor) MayWriteAttachment(p Patient, k AttachmentKind) bool {
	if !k.Valid() {
		return false
	}
	switch a.Role {
	case RoleAdmin:
		return true
	case RoleReception:
		return !k.Clinical()
	case RoleSpecialist:
		return k.Clinical() && p.ClinicalVisible && a.SpecialistID != 0
	}
	return false
}

// MayDeleteAttachments: removing a stored file for good (admin; audited).
func (a Actor) MayDeleteAttachments() bool { return a.Role == RoleAdmin }

// MayExportClinic: a copy of every row and file of the clinic (admin).
func (a Actor) MayExportClinic() bool { return a.Role == RoleAdmin }

// MayManageWaitlist: the waiting list — adding, removing and booking
// waiting patients — is the front desk's (admin and reception), like the
// slot-freed notices that feed it.
func (a Actor) MayManageWaitlist() bool { return a.Role == RoleAdmin || a.Role == RoleReception }
