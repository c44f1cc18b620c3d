package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// TOTP secrets must be readable by the server (it computes the expected
// code), so they cannot be hashed like passwords. They are sealed with
// AES-256-GCM under a key the installation keeps outside the database (a
// file next to the SSH host key, read by cmd/ and passed in as
// Options.SecretKey): a database dump, a backup or a read-only SQL account
// does not give anyone the secrets, hence no cloned authenticators.

// SecretKeySize is the length of Options.SecretKey.
const SecretKeySize = 32

// sealedPrefix starts a sealed value. Base32 (a clear secret's alphabet)
// has no ':', so a stored value is either sealed or an old clear secret.
const sealedPrefix = "sealed1:"

// errNoSecretKey: the store was opened without Options.SecretKey, so it can
// neither seal a new secret nor open a sealed one. It never falls back to
// storing a secret in clear.
var errNoSecretKey = errors.New("no secret key: the installation's secret key file was not given to the store")

// secretBox seals and opens TOTP secrets; nil when the store has no key.
type secretBox struct{ aead cipher.AEAD }

func newSecretBox(key []byte) (*secretBox, error) {
	if len(key) == 0 {
		return nil, nil
	}
	if len(key) != SecretKeySize {
		return nil, fmt.Errorf("secret key: %d bytes, want %d", len(key), SecretKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return &secretBox{aead: aead}, nil
}

// sealAD binds a sealed value to its use, so it cannot be passed off as
// something else sealed under the same key.
var sealAD = []byte("consultorio totp secret")

// seal encrypts a clear secret (random nonce, stored with it).
func (b *secretBox) seal(plain string) (string, error) {
	if b == nil {
		return "", errNoSecretKey
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), sealAD)
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// open returns the clear secret of a stored value; sealed tells whether it
// was sealed (false: a secret stored in clear before sealing existed).
func (b *secretBox) open(stored string) (plain string, sealed bool, err error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, false, nil
	}
	if b == nil {
		return "", true, errNoSecretKey
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", true, errors.New("open sealed secret: malformed")
	}
	n := b.aead.NonceSize()
	out, err := b.aead.Open(nil, raw[:n], raw[n:], sealAD)
	if err != nil {
		return "", true, errors.New("open sealed secret: wrong key or altered value")
	}
	return string(out), true, nil
}

// sealClearSecrets seals the secrets of the store's accounts still stored
// in clear (written before sealing existed) and returns how many it sealed.
func (s accountStore) sealClearSecrets(ctx context.Context) (int, error) {
	n := 0
	err := s.run(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select id, totp_secret, totp_pending from `+s.table+`
			where (totp_secret is not null and totp_secret not like $1)
			   or (totp_pending is not null and totp_pending not like $1) for update`, sealedPrefix+"%")
		if err != nil {
			return err
		}
		type clear struct {
			id              int64
			secret, pending *string
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (clear, error) {
			var c clear
			return c, r.Scan(&c.id, &c.secret, &c.pending)
		})
		if err != nil {
			return err
		}
		for _, c := range list {
			secret, err := s.sealIfClear(c.secret)
			if err != nil {
				return err
			}
			pending, err := s.sealIfClear(c.pending)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `update `+s.table+` set totp_secret = $2, totp_pending = $3 where id = $1`,
				c.id, secret, pending); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func (s accountStore) sealIfClear(v *string) (*string, error) {
	if v == nil || strings.HasPrefix(*v, sealedPrefix) {
		return v, nil
	}
	sealed, err := s.box.seal(*v)
	return &sealed, err
}

// SealSecondFactorSecrets seals every TOTP secret still stored in clear,
// the operators' and every clinic's (an installation upgraded from a
// version that kept them in clear). The server runs it at start; it is
// idempotent. It returns how many accounts it sealed.
func (db *DB) SealSecondFactorSecrets(ctx context.Context) (int, error) {
	total, err := db.operatorAccounts("").sealClearSecrets(ctx)
	if err != nil {
		return 0, fmt.Errorf("seal operators' secrets: %w", err)
	}
	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		return total, err
	}
	for _, tv := range tvs {
		if tv.Spare {
			continue // nobody's accounts yet
		}
		schema := tv.Schema
		tn, err := db.Tenant(ctx, schema)
		if errors.Is(err, ErrNoSuchTenant) {
			continue
		}
		if err != nil {
			return total, err
		}
		n, err := tn.accounts("").sealClearSecrets(ctx)
		if err != nil {
			return total, fmt.Errorf("seal secrets of %s: %w", schema, err)
		}
		total += n
	}
	return total, nil
}
