package store

import "context"

// CreateTenantWithHook exposes provisioning with a failure-injection hook to
// the external tests.
func CreateTenantWithHook(ctx context.Context, db *DB, nt NewTenant, hook func(step string) error) (*Provisioned, error) {
	return db.createTenant(ctx, CLI, nt, hook)
}

// SetPatientWalk sets how many index entries a multi-word or letter-pair
// search walks (in name and in creation order) before asking the trigram or
// letter-pair index (see patientListSQL), so a test can make
// the walk stop short of the matches; it returns the restore function.
func SetPatientWalk(n int) (restore func()) {
	old, oldCreated := patientWalk, patientCreatedWalk
	patientWalk, patientCreatedWalk = n, n
	return func() { patientWalk, patientCreatedWalk = old, oldCreated }
}

// ClinicConnsMade is how many connections the clinic's pool has opened.
func ClinicConnsMade(ctx context.Context, t *Tenant) (int64, error) {
	pool, release, err := t.db.clinics.Acquire(ctx, t.Info.Role)
	if err != nil {
		return 0, err
	}
	defer release()
	return pool.Stat().NewConnsCount(), nil
}
