package i18n

// The scripted commands' own words (server/cmd): help (each command's
// Short and Long, each flag's usage, the usage page's headings), table
// headers and field labels, usage errors. They are written in English where
// the commands are defined, and that English text is the key here, as
// gettext's msgid: English needs no entry, every other language one per
// text (commands_es.go). server/cmd's TestEveryCommandSpeaksSpanish walks
// every command and fails, naming it, when a text has no Spanish.

// commandTexts are the translations by language, keyed by the English: help
// and usage errors (commands_es.go), then what commands print
// (commands_output_es.go), the local CLI's own help (commands_cli_es.go).
// A key is in one of them only
// (TestCommandTextsOnce).
var commandTexts = map[Lang][]map[string]string{ES: {commandsES, commandOutputES, commandCLIES}}

// commandText is the translation of s in l, "" if none.
func commandText(l Lang, s string) string {
	for _, m := range commandTexts[l] {
		if t := m[s]; t != "" {
			return t
		}
	}
	return ""
}

// CommandText is the English text s of a command in l; s itself when l is
// English, s is empty, or no translation exists (the walking test keeps the
// last from happening).
func CommandText(l Lang, s string) string {
	if t := commandText(l, s); t != "" {
		return t
	}
	return s
}

// HasCommandText tells whether s has words in l (English always has).
func HasCommandText(l Lang, s string) bool {
	if l == EN || s == "" {
		return true
	}
	return commandText(l, s) != ""
}
