package i18n

// Outbox: the clinic's outgoing e-mail page (from the staff screen).
type Outbox struct {
	Title, Empty                                         string
	ColWhen, ColKind, ColTo, ColState, ColTries, ColSubj string
	// Words of the stable English values of store.OutboxItem.
	KindInvitation, KindReminder, KindCancellation, KindMove, KindChange, KindAgenda, KindDocument string
	StatePending, StateRetrying, StateSent, StateFailed                                            string
	// Why a try failed (store.Mail… reasons).
	ReasonUnreachable, ReasonRefusedSender, ReasonRefusedRecipient, ReasonRefusedMessage string
	ReasonUnrenderable, ReasonSMTPError, ReasonTLSFailed, ReasonAuthFailed               string
	LastError                                                                            string // %s: the reason, in words
	Key, KeyResend                                                                       string
	Confirm                                                                              string // id, recipient
	Resent                                                                               string
}

// Kind names an outbox kind ("invitation", …); an unknown one as it is.
func (o *Outbox) Kind(k string) string {
	return pick(k, map[string]string{"invitation": o.KindInvitation, "reminder": o.KindReminder,
		"cancellation": o.KindCancellation, "move": o.KindMove, "change": o.KindChange, "agenda": o.KindAgenda, "document": o.KindDocument})
}

// State names an outbox state ("pending", …).
func (o *Outbox) State(s string) string {
	return pick(s, map[string]string{"pending": o.StatePending, "retrying": o.StateRetrying,
		"sent": o.StateSent, "failed": o.StateFailed})
}

// Reason names why a try failed ("unreachable", …).
func (o *Outbox) Reason(r string) string {
	return pick(r, map[string]string{"unreachable": o.ReasonUnreachable, "refused_sender": o.ReasonRefusedSender,
		"refused_recipient": o.ReasonRefusedRecipient, "refused_message": o.ReasonRefusedMessage,
		"unrenderable": o.ReasonUnrenderable, "smtp_error": o.ReasonSMTPError,
		"tls_failed": o.ReasonTLSFailed, "auth_failed": o.ReasonAuthFailed})
}

func pick(k string, words map[string]string) string {
	if w, ok := words[k]; ok && w != "" {
		return w
	}
	return k
}
