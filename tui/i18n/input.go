package i18n

// Input: why the store refused a character in a text field (store.TextError).
type Input struct {
	// Refused: field, code point ("U+202E"), Unicode name, position, why.
	Refused   string
	Bidi      string // changes the order text is displayed in
	Invisible string // zero-width or otherwise invisible
	Control   string // control character, escape or line break
	Encoding  string // not UTF-8
}
