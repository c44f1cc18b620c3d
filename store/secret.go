package store

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"
)

// PasswordCost is argon2id's work for each new password hash: memory in KiB
// and passes over it (always one lane). A hash records its own cost, so
// hashes made with another cost keep verifying.
type PasswordCost struct {
	MemoryKiB uint32
	Passes    uint32
}

// DefaultPasswordCost is OWASP's recommendation for argon2id: 19 MiB, 2
// passes, 1 lane. Options.PasswordCost's zero value means it.
func DefaultPasswordCost() PasswordCost {
	return PasswordCost{MemoryKiB: 19 * 1024, Passes: 2}
}

const (
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash, with DefaultPasswordCost, in the PHC
// string format.
func HashPassword(password string) (string, error) {
	return hashPassword(password, DefaultPasswordCost())
}

func hashPassword(password string, c PasswordCost) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, c.Passes, c.MemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.MemoryKiB, c.Passes, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword tells whether password matches a hash made by HashPassword,
// at the cost the hash records.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// ValidatePassword applies the password rules: at least 10 characters, not
// all digits.
func ValidatePassword(pw string) error {
	if len([]rune(pw)) < 10 {
		return invalid("password", ReasonTooShort, 10)
	}
	if strings.IndexFunc(pw, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
		return invalid("password", ReasonPasswordDigits)
	}
	return nil
}

// setupAlphabet leaves out look-alikes (0/O, 1/I/L) so codes can be read
// over the phone.
const setupAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// NewSetupCode returns a one-time setup code like "K7QF-M2XR-P9TD" (about 59
// bits of randomness) and the hash to store.
func NewSetupCode() (code, hash string, err error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("setup code: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(setupAlphabet[int(c)%len(setupAlphabet)])
	}
	code = sb.String()
	return code, HashSetupCode(code), nil
}

// HashSetupCode hashes a setup code. Codes are random and long, so a fast
// hash is enough (argon2 protects guessable secrets; it would also make
// provisioning slow); lockout limits online guessing.
func HashSetupCode(code string) string {
	norm := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	sum := sha256.Sum256([]byte(norm))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// CheckSetupCode compares a typed code with a stored hash in constant time.
func CheckSetupCode(hash, code string) bool {
	return subtle.ConstantTimeCompare([]byte(hash), []byte(HashSetupCode(code))) == 1
}
