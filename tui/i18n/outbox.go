package i18n

// Outbox: the clinic's outgoing e-mail page (from the staff screen).
type Outbox struct {
	Title, Empty                                         string
	ColWhen, ColKind, ColTo, ColState, ColTries, ColSubj string
	Kinds                                                map[string]string // store.MailKind → words
	States                                               map[string]string // outbox state → words
	Reasons                                              map[string]string // why a try failed (store.Mail… reasons) → words
	LastError                                            string            // %s: the reason, in words
	Key, KeyResend                                       string
	Confirm                                              string // id, recipient
	Resent                                               string
}
