package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"

	gomail "github.com/wneessen/go-mail"

	"consultorio/store"
)

// batch is how many messages of one clinic a sender claims at a time.
const batch = 20

// Sender delivers the outboxes of every clinic of a database.
type Sender struct {
	cfg     Config
	db      *store.DB
	connect ConnectLine
	log     *slog.Logger
}

// NewSender is a sender for cfg. connect writes the ssh line of invitations.
func NewSender(cfg Config, db *store.DB, connect ConnectLine, log *slog.Logger) *Sender {
	return &Sender{cfg: cfg, db: db, connect: connect, log: log}
}

// Result counts what one run did.
type Result struct {
	Sent, Failed int
}

// Schedule queues what the clock says is due in every live clinic:
// reminders and evening agendas. A clinic that fails is logged; the others
// go on.
func (s *Sender) Schedule(ctx context.Context) error {
	tenants, err := s.db.ListTenants(ctx, store.TenantFilter{})
	if err != nil {
		return fmt.Errorf("schedule mail: %w", err)
	}
	var errs []error
	for _, ti := range tenants {
		if ti.Status == store.TenantArchived {
			continue
		}
		t, err := s.db.Tenant(ctx, ti.Schema)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := t.QueueReminders(ctx); err != nil {
			errs = append(errs, err)
		}
		if _, err := t.QueueAgendas(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SendDue sends the due messages of every live clinic. Without an SMTP
// server configured it sends nothing: messages wait in the outbox.
func (s *Sender) SendDue(ctx context.Context) (Result, error) {
	var res Result
	if !s.cfg.Enabled() {
		return res, nil
	}
	tenants, err := s.db.ListTenants(ctx, store.TenantFilter{})
	if err != nil {
		return res, fmt.Errorf("send mail: %w", err)
	}
	var errs []error
	for _, ti := range tenants {
		if ti.Status == store.TenantArchived {
			continue
		}
		t, err := s.db.Tenant(ctx, ti.Schema)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r, err := s.SendTenant(ctx, t)
		res.Sent += r.Sent
		res.Failed += r.Failed
		if err != nil {
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}

// SendTenant sends one clinic's due messages, batch by batch, until none
// is due. Each try is recorded (store.Tenant.MailDone); a message the SMTP
// server refused counts as Failed (it will be retried by a later run).
func (s *Sender) SendTenant(ctx context.Context, t *store.Tenant) (Result, error) {
	var res Result
	if !s.cfg.Enabled() {
		return res, nil
	}
	for {
		claimed, err := t.ClaimMail(ctx, batch)
		if err != nil || len(claimed) == 0 {
			return res, err
		}
		for _, c := range claimed {
			subject, sendErr := s.send(ctx, c)
			if err := t.MailDone(ctx, c, subject, failureReason(sendErr)); err != nil {
				return res, err
			}
			if sendErr != nil {
				res.Failed++
				s.log.Warn("mail not sent", "tenant", t.Info.Schema, "outbox_id", c.ID, "kind", c.Kind,
					"attempt", c.Attempts, "err", sendErr)
				continue
			}
			res.Sent++
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
	}
}

// send renders and delivers one message; it returns the subject (for the
// outbox screen) and the SMTP outcome.
func (s *Sender) send(ctx context.Context, c store.ClaimedMail) (string, error) {
	now := s.db.Now()
	m, err := Render(c, s.connect, now)
	if err != nil {
		return "", &renderError{err}
	}
	msg := gomail.NewMsg()
	if err := msg.FromFormat(c.FromName, s.cfg.From); err != nil {
		return m.Subject, fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(c.Recipient); err != nil {
		return m.Subject, &recipientError{fmt.Errorf("recipient: %w", err)}
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	msg.SetMessageID()
	msg.SetGenHeader("X-Consultorio-Outbox", fmt.Sprint(c.ID))
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return m.Subject, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	client, err := s.client()
	if err != nil {
		return m.Subject, err
	}
	// Connecting (TCP, TLS or STARTTLS, the login) and sending fail for
	// different reasons the clinic can act on; keep them apart.
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return m.Subject, &dialError{fmt.Errorf("smtp %s:%d: %w", s.cfg.Host, s.cfg.Port, err)}
	}
	sendErr := client.SendWithSMTPClient(conn, msg)
	if err := client.CloseWithSMTPClient(conn); err != nil && sendErr == nil {
		s.log.Debug("smtp close", "err", err)
	}
	if sendErr != nil {
		return m.Subject, &deliveryError{fmt.Errorf("smtp %s:%d: %w", s.cfg.Host, s.cfg.Port, sendErr)}
	}
	return m.Subject, nil
}

func (s *Sender) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port),
		// The certificate is checked against RootCAs (nil: the system's)
		// for the configured host name; never skipped.
		gomail.WithTLSConfig(&tls.Config{ServerName: s.cfg.Host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12})}
	if s.cfg.Timeout > 0 {
		opts = append(opts, gomail.WithTimeout(s.cfg.Timeout))
	}
	switch s.cfg.Security {
	case TLS:
		opts = append(opts, gomail.WithSSL())
	case NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.User), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return c, nil
}

// The failures of send, by where they happened.
type (
	renderError    struct{ error } // Render
	recipientError struct{ error } // the recipient is no address go-mail accepts
	dialError      struct{ error } // connecting: TCP, TLS/STARTTLS, the login
	deliveryError  struct{ error } // the SMTP conversation after the login
)

func (e *renderError) Unwrap() error    { return e.error }
func (e *recipientError) Unwrap() error { return e.error }
func (e *deliveryError) Unwrap() error  { return e.error }
func (e *dialError) Unwrap() error      { return e.error }

// failureReason classifies a failed try for the clinic's outbox ("" for
// none); the error itself goes to the log.
func failureReason(err error) string {
	var (
		re *renderError
		ae *recipientError
		se *gomail.SendError
		di *dialError
		de *deliveryError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &re):
		return store.MailUnrenderable
	case errors.As(err, &ae):
		return store.MailRefusedRecipient
	case errors.As(err, &di):
		return dialReason(err)
	case errors.As(err, &se):
		if authCode(se.ErrorCode()) {
			// The server wants a login the installation did not give.
			return store.MailAuthFailed
		}
		switch se.Reason {
		case gomail.ErrSMTPMailFrom, gomail.ErrGetSender:
			return store.MailRefusedSender
		case gomail.ErrSMTPRcptTo, gomail.ErrGetRcpts:
			return store.MailRefusedRecipient
		case gomail.ErrSMTPData, gomail.ErrSMTPDataClose, gomail.ErrWriteContent:
			return store.MailRefusedMessage
		case gomail.ErrConnCheck:
			return store.MailUnreachable
		}
		return store.MailSMTPError
	case errors.As(err, &de):
		return store.MailUnreachable
	}
	return store.MailSMTPError
}

// dialReason says why connecting failed: the server's certificate or the
// TLS handshake, the login, else the connection itself.
func dialReason(err error) string {
	var (
		cv *tls.CertificateVerificationError
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
		rh tls.RecordHeaderError
		al tls.AlertError
		tp *textproto.Error
	)
	switch {
	case errors.As(err, &cv), errors.As(err, &ua), errors.As(err, &he), errors.As(err, &ci),
		errors.As(err, &rh), errors.As(err, &al):
		return store.MailTLSFailed
	case errors.As(err, &tp) && authCode(tp.Code):
		return store.MailAuthFailed
	case isAuthMechanismError(err):
		return store.MailAuthFailed
	}
	// Refused, timed out, closed, or a server without STARTTLS when it is
	// required: the connection could not be made.
	return store.MailUnreachable
}

// authCode tells whether an SMTP reply code is about the login: 530
// authentication required, 534 mechanism too weak, 535 credentials
// invalid, 538 encryption required for the mechanism (RFC 4954).
func authCode(code int) bool {
	return code == 530 || code == 534 || code == 535 || code == 538
}

// isAuthMechanismError: the server offers no login method go-mail can use
// with the configured user.
func isAuthMechanismError(err error) bool {
	for _, e := range []error{gomail.ErrNoSupportedAuthDiscovered, gomail.ErrPlainAuthNotSupported,
		gomail.ErrLoginAuthNotSupported, gomail.ErrCramMD5AuthNotSupported, gomail.ErrSCRAMSHA256AuthNotSupported,
		gomail.ErrSCRAMSHA1AuthNotSupported} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
