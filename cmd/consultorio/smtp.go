package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"consultorio/mail"
)

// smtpFlags are serve's settings of the installation's SMTP server (the
// sender of every clinic's e-mail; each clinic sets its own From name).
type smtpFlags struct {
	host, security, user, passwordFile, from string
	caFile                                   string
	port                                     int
	timeout                                  time.Duration
	getenv                                   func(string) string
}

func (s *smtpFlags) flags(f *pflag.FlagSet) {
	f.StringVar(&s.host, "smtp-host", "", "SMTP server for outgoing e-mail (empty: e-mail waits in each clinic's outbox)")
	f.IntVar(&s.port, "smtp-port", 587, "SMTP server port")
	f.StringVar(&s.security, "smtp-security", "starttls", "SMTP connection security: starttls, tls or none")
	f.StringVar(&s.user, "smtp-user", "", "SMTP user name (empty: no authentication)")
	f.StringVar(&s.passwordFile, "smtp-password-file", "",
		"file holding the SMTP password (or env CONSULTORIO_SMTP_PASSWORD; never a flag, which ps shows)")
	f.StringVar(&s.from, "smtp-from", "", "sender address of every clinic's e-mail, e.g. no-reply@clinic.example.com")
	f.DurationVar(&s.timeout, "smtp-timeout", 30*time.Second, "bound of one SMTP conversation")
	f.StringVar(&s.caFile, "smtp-ca-file", "",
		"PEM file of the certificates the SMTP server's must chain to (a private CA or a self-signed relay; default: the system's)")
}

// config is the mail.Config the flags describe; a bad combination is a
// usage error.
func (s *smtpFlags) config() (mail.Config, error) {
	if s.host == "" {
		return mail.Config{}, nil
	}
	sec, err := mail.ParseSecurity(s.security)
	if err != nil {
		return mail.Config{}, usagef("--smtp-security %q: want starttls, tls or none", s.security)
	}
	password := ""
	if s.getenv != nil {
		password = s.getenv("CONSULTORIO_SMTP_PASSWORD")
	}
	if s.passwordFile != "" {
		b, err := os.ReadFile(s.passwordFile)
		if err != nil {
			return mail.Config{}, fmt.Errorf("--smtp-password-file: %w", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	cfg := mail.Config{Host: s.host, Port: s.port, Security: sec, User: s.user, Password: password,
		From: s.from, Timeout: s.timeout}
	if s.caFile != "" {
		b, err := os.ReadFile(s.caFile)
		if err != nil {
			return mail.Config{}, fmt.Errorf("--smtp-ca-file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(b) {
			return mail.Config{}, usagef("--smtp-ca-file %s: no PEM certificate in it", s.caFile)
		}
	}
	if err := cfg.Validate(); err != nil {
		var ce *mail.ConfigError
		if !errors.As(err, &ce) {
			return mail.Config{}, err
		}
		if ce.Field == "Port" {
			return mail.Config{}, usagef("--smtp-port %s: want 1 to 65535", ce.Value)
		}
		return mail.Config{}, usagef("--smtp-from %q: want a bare e-mail address, like no-reply@example.com", ce.Value)
	}
	return cfg, nil
}
