package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
)

// TestDiskFullErrorText: a disk-full failure reaches the user as the
// catalogue's sentence in their language, never as the driver's text.
func TestDiskFullErrorText(t *testing.T) {
	pg := &pgconn.PgError{Code: "53100", Message: `could not extend file "base/16384/17790": No space left on device`}
	err := fmt.Errorf("book session: %w", &store.DiskFullError{Err: pg})
	for _, lang := range []i18n.Lang{i18n.ES, i18n.EN} {
		got := kit.ErrorText(nil, i18n.NewLocale(lang, "PEN", time.UTC), err)
		if want := i18n.For(lang).Storage.DiskFull; got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
		if strings.Contains(got, "base/16384") || strings.Contains(got, "53100") {
			t.Errorf("%s: internal text shown: %q", lang, got)
		}
	}
	if !errors.Is(err, store.ErrDiskFull) {
		t.Fatal("errors.Is(err, store.ErrDiskFull) must hold")
	}
}
