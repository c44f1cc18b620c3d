package tui

import (
	"fmt"
	"testing"
	"time"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
)

// A refused character is named in the user's language, with its code
// point, Unicode name and position, through the wrapping the store adds.
func TestErrorTextNamesRefusedCharacter(t *testing.T) {
	err := fmt.Errorf("create patient: %w", store.CheckText("notes", "evil\u202Etxt", true))
	cases := map[i18n.Lang]string{
		i18n.ES: "«Notas»: el carácter U+202E (RIGHT-TO-LEFT OVERRIDE) en la posición 5 no está permitido: cambia el orden en que se muestra el texto.",
		i18n.EN: "Notes: the character U+202E (RIGHT-TO-LEFT OVERRIDE) at position 5 is not allowed: it changes the order in which text is displayed.",
	}
	for lang, want := range cases {
		if got := kit.ErrorText(nil, i18n.NewLocale(lang, "PEN", time.UTC), err); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	esc := store.CheckText("first_name", "Eve\x1b[2J", false)
	want := "«Nombres»: el carácter U+001B (ESCAPE) en la posición 4 no está permitido: es un carácter de control o un salto de línea."
	if got := kit.ErrorText(nil, i18n.NewLocale(i18n.ES, "PEN", time.UTC), esc); got != want {
		t.Errorf("ESC: %q, want %q", got, want)
	}
}
