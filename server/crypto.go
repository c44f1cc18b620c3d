package server

import gossh "golang.org/x/crypto/ssh"

// The SSH algorithms are chosen, not inherited: golang.org/x/crypto/ssh's
// defaults still offer NIST-curve key exchange, SHA-1 key exchange and
// MACs, and encrypt-and-MAC modes, which an SSH configuration audit fails.
// docs/SECURITY.md ("SSH algorithms") says why each one is here;
// TestOfferedAlgorithmsArePinned reads the server's KEXINIT and pins these
// lists, and TestSSHAuditIsClean runs ssh-audit against a live server.
var (
	// Post-quantum hybrid first, then X25519 (under both of its names:
	// OpenSSH before 7.4 and PuTTY before 0.75 know only the libssh one).
	// Every client of the last ten years speaks one of them (OpenSSH ≥ 6.5,
	// PuTTY ≥ 0.68, Go, libssh, JSch ≥ 0.1.55), so no finite-field or
	// NIST-curve exchange is offered.
	kexAlgorithms = []string{
		gossh.KeyExchangeMLKEM768X25519,
		gossh.KeyExchangeCurve25519,
		"curve25519-sha256@libssh.org",
	}
	// AEAD only: the MAC is part of the cipher, and there is no
	// encrypt-and-MAC construction to get wrong.
	cipherAlgorithms = []string{
		gossh.CipherChaCha20Poly1305,
		gossh.CipherAES256GCM,
		gossh.CipherAES128GCM,
	}
	// Not used with the AEAD ciphers above, but the list is part of the
	// offer: encrypt-then-MAC with SHA-2 only.
	macAlgorithms = []string{
		gossh.HMACSHA256ETM,
		gossh.HMACSHA512ETM,
	}
	// The host key is ed25519 (loadHostKey makes nothing else).
	hostKeyAlgorithms = []string{gossh.KeyAlgoED25519}
)

// sshConfig is the base configuration of every connection.
func sshConfig() *gossh.ServerConfig {
	return &gossh.ServerConfig{
		Config: gossh.Config{
			KeyExchanges: kexAlgorithms,
			Ciphers:      cipherAlgorithms,
			MACs:         macAlgorithms,
		},
		MaxAuthTries: 6,
	}
}
