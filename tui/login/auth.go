package login

import (
	"context"

	"consultorio/store"
)

// TenantStore is a clinic's part of the store its login uses; *store.Tenant
// satisfies it.
type TenantStore interface {
	LoginPassword(ctx context.Context, email, password, remoteAddr string) (*store.User, error)
	LoginSetupCode(ctx context.Context, email, code, remoteAddr string) (*store.User, error)
	SetPassword(ctx context.Context, userID int64, password string) error
	AddKey(ctx context.Context, actor store.Actor, userID int64, publicKeyLine, label string) (store.UserKey, error)
	SecondFactor(u *store.User, remoteAddr string) store.SecondFactor
}

// OperatorStore is the part of the store the panel's login uses;
// *store.DB satisfies it.
type OperatorStore interface {
	OperatorLoginPassword(ctx context.Context, email, password, remoteAddr string) (*store.Operator, error)
	OperatorLoginSetupCode(ctx context.Context, email, code, remoteAddr string) (*store.Operator, error)
	SetOperatorPassword(ctx context.Context, operatorID int64, password string) error
	AddOperatorKey(ctx context.Context, actor store.OperatorActor, operatorID int64, publicKeyLine, label string) (store.OperatorKey, error)
	OperatorSecondFactor(o *store.Operator, remoteAddr string) store.SecondFactor
}

var (
	_ TenantStore   = (*store.Tenant)(nil)
	_ OperatorStore = (*store.DB)(nil)
)

// Clinic is the login of a clinic's staff on t from remote.
func Clinic(t TenantStore, remote string) Authenticator { return clinicAuth{t: t, remote: remote} }

// Panel is the login of the service's operators on db from remote.
func Panel(db OperatorStore, remote string) Authenticator { return panelAuth{db: db, remote: remote} }

// clinicAuth adapts a tenant's login operations to the login form.
type clinicAuth struct {
	t      TenantStore
	remote string
}

func (c clinicAuth) LoginPassword(ctx context.Context, email, password string) (*Account, error) {
	u, err := c.t.LoginPassword(ctx, email, password, c.remote)
	if err != nil {
		return nil, err
	}
	return &Account{User: u}, nil
}

func (c clinicAuth) LoginSetupCode(ctx context.Context, email, code string) (*Account, error) {
	u, err := c.t.LoginSetupCode(ctx, email, code, c.remote)
	if err != nil {
		return nil, err
	}
	return &Account{User: u}, nil
}

func (c clinicAuth) SetPassword(ctx context.Context, acc *Account, password string) error {
	return c.t.SetPassword(ctx, acc.User.ID, password)
}

func (c clinicAuth) AddKey(ctx context.Context, acc *Account, keyLine string) error {
	_, err := c.t.AddKey(ctx, acc.User.Actor(c.remote), acc.User.ID, keyLine, "")
	return err
}

func (c clinicAuth) SecondFactor(acc *Account) store.SecondFactor {
	return c.t.SecondFactor(acc.User, c.remote)
}

// panelAuth adapts the operators' login operations to the login form.
type panelAuth struct {
	db     OperatorStore
	remote string
}

func (p panelAuth) LoginPassword(ctx context.Context, email, password string) (*Account, error) {
	op, err := p.db.OperatorLoginPassword(ctx, email, password, p.remote)
	if err != nil {
		return nil, err
	}
	return &Account{Op: op}, nil
}

func (p panelAuth) LoginSetupCode(ctx context.Context, email, code string) (*Account, error) {
	op, err := p.db.OperatorLoginSetupCode(ctx, email, code, p.remote)
	if err != nil {
		return nil, err
	}
	return &Account{Op: op}, nil
}

func (p panelAuth) SetPassword(ctx context.Context, acc *Account, password string) error {
	return p.db.SetOperatorPassword(ctx, acc.Op.ID, password)
}

func (p panelAuth) AddKey(ctx context.Context, acc *Account, keyLine string) error {
	_, err := p.db.AddOperatorKey(ctx, acc.Op.Actor(p.remote), acc.Op.ID, keyLine, "")
	return err
}

func (p panelAuth) SecondFactor(acc *Account) store.SecondFactor {
	return p.db.OperatorSecondFactor(acc.Op, p.remote)
}
