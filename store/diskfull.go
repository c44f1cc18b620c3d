package store

// pgDiskFull is SQLSTATE 53100 (disk_full): PostgreSQL could not extend a
// file. The statement failed and its transaction is rolled back.
const pgDiskFull = "53100"

// DiskFullError: the database's disk is full. The transaction was rolled
// back: nothing of it was saved. Once space is freed the same operation
// works again; no restart is needed.
type DiskFullError struct{ Err error }

func (e *DiskFullError) Error() string { return "database disk full: " + e.Err.Error() }
func (e *DiskFullError) Unwrap() error { return e.Err }

// Code is CodeUnavailable: trying again once space is freed works.
func (e *DiskFullError) Code() Code { return CodeUnavailable }

// ErrDiskFull matches any *DiskFullError with errors.Is.
var ErrDiskFull = &Sentinel{CodeUnavailable, "database disk full"}

func (e *DiskFullError) Is(target error) bool { return target == ErrDiskFull }

// diskFull gives a disk-full failure its type; other errors pass through.
func diskFull(err error) error {
	if err != nil && pgCode(err) == pgDiskFull {
		return &DiskFullError{Err: err}
	}
	return err
}
