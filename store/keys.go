package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	gossh "golang.org/x/crypto/ssh"
)

// ParsePublicKey parses one OpenSSH public key line ("ssh-ed25519 AAAA... comment")
// and returns the key in canonical form, its SHA256 fingerprint and comment.
func ParsePublicKey(line string) (canonical, fingerprint, comment string, err error) {
	pk, comment, _, _, err := gossh.ParseAuthorizedKey([]byte(strings.TrimSpace(line)))
	if err != nil {
		return "", "", "", invalid("public_key", ReasonPublicKey)
	}
	canonical = strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk)))
	return canonical, gossh.FingerprintSHA256(pk), comment, nil
}

// addUserKey registers a public key for a staff user inside a tenant
// transaction (running as the tenant role) and records the route in the
// public key-routing index through the tenant-restricted function.
func addUserKey(ctx context.Context, tx pgx.Tx, userID int64, line, label string) (UserKey, error) {
	canonical, fp, comment, err := ParsePublicKey(line)
	if err != nil {
		return UserKey{}, err
	}
	if label == "" {
		label = comment
	}
	if err := CheckText("label", label, false); err != nil {
		return UserKey{}, err
	}
	var k UserKey
	err = tx.QueryRow(ctx, `insert into user_keys (user_id, public_key, fingerprint, label) values ($1, $2, $3, $4)
		returning id, user_id, public_key, fingerprint, label, created_at, last_used_at`, userID, canonical, fp, label).
		Scan(&k.ID, &k.UserID, &k.PublicKey, &k.Fingerprint, &k.Label, &k.CreatedAt, &k.LastUsedAt)
	if err != nil {
		if pgCode(err) == pgUniqueViolation {
			return UserKey{}, conflict("public_key", ReasonTaken)
		}
		return UserKey{}, fmt.Errorf("add key: %w", err)
	}
	if _, err := tx.Exec(ctx, "select public.add_key_route($1)", fp); err != nil {
		return UserKey{}, fmt.Errorf("add key route: %w", err)
	}
	return k, nil
}
