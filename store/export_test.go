package store

import "context"

// CreateTenantWithHook exposes provisioning with a failure-injection hook to
// the external tests.
func CreateTenantWithHook(ctx context.Context, db *DB, nt NewTenant, hook func(step string) error) (*Provisioned, error) {
	return db.createTenant(ctx, CLI, nt, hook)
}
