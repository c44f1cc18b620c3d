// Package mail sends a clinic's outgoing e-mail: it claims due messages
// from each clinic's outbox (store), renders them in the recipient's
// language (es/en, with an .ics attachment for a session), and hands them
// to the installation's SMTP server (github.com/wneessen/go-mail). The
// store decides what is sent and when; this package only renders and
// delivers, and reports every try back to the store.
package mail

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Security is how the connection to the SMTP server is protected.
type Security string

// Securities.
const (
	StartTLS Security = "starttls" // plain connection upgraded with STARTTLS (mandatory)
	TLS      Security = "tls"      // TLS from the first byte (SMTPS, usually port 465)
	NoTLS    Security = "none"     // no encryption (a relay on localhost, tests)
)

// ParseSecurity reads "starttls", "tls" or "none".
func ParseSecurity(s string) (Security, error) {
	switch sec := Security(strings.ToLower(strings.TrimSpace(s))); sec {
	case StartTLS, TLS, NoTLS:
		return sec, nil
	}
	return "", fmt.Errorf("SMTP security %q: must be starttls, tls or none", s)
}

// Config is the installation's SMTP server, read by cmd/ from flags and
// passed down. A Config with no Host sends nothing (messages wait in the
// outbox).
type Config struct {
	Host     string
	Port     int
	Security Security
	User     string // "" = no authentication
	Password string
	// From is the sender address of every clinic; each clinic sets its own
	// display name (store.MailSettings.FromName).
	From string
	// Timeout bounds one SMTP conversation.
	Timeout time.Duration
	// RootCAs are the authorities the server's certificate must chain to
	// (STARTTLS and TLS); nil means the system's. An installation whose
	// relay has a private or self-signed certificate names it here
	// (serve --smtp-ca-file); verification is never turned off.
	RootCAs *x509.CertPool
}

// Enabled tells whether an SMTP server is configured.
func (c Config) Enabled() bool { return c.Host != "" }

// ConfigError is a setting Validate refuses, as data: the field of Config
// and its value. The door words it (a flag's usage error); Error is for
// the log.
type ConfigError struct {
	Field string // "Port" or "From"
	Value string
}

func (e *ConfigError) Error() string {
	if e.Field == "Port" {
		return fmt.Sprintf("SMTP port %s out of range", e.Value)
	}
	return fmt.Sprintf("SMTP from address %q: must be a bare e-mail address", e.Value)
}

// Validate checks a configuration that is enabled. What it refuses is a
// *ConfigError (several joined).
func (c Config) Validate() error {
	if !c.Enabled() {
		return nil
	}
	var errs []error
	if c.Port <= 0 || c.Port > 65535 {
		errs = append(errs, &ConfigError{Field: "Port", Value: strconv.Itoa(c.Port)})
	}
	if _, err := ParseSecurity(string(c.Security)); err != nil {
		errs = append(errs, err)
	}
	if a, err := mail.ParseAddress(c.From); err != nil || a.Name != "" {
		errs = append(errs, &ConfigError{Field: "From", Value: c.From})
	}
	return errors.Join(errs...)
}
