package store

import "time"

// UserKey is an SSH public key registered for a staff user.
type UserKey struct {
	ID          int64      `json:"id"`
	UserID      int64      `json:"user_id"`
	PublicKey   string     `json:"public_key"`
	Fingerprint string     `json:"fingerprint"`
	Label       string     `json:"label"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
}
