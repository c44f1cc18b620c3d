package i18n

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"consultorio/internal/srcscan"
	"consultorio/store"
)

func locales() []*Locale {
	return []*Locale{NewLocale(ES, "PEN", time.UTC), NewLocale(EN, "PEN", time.UTC)}
}

// sampleArgs are n arguments of the kinds reasons carry.
func sampleArgs(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = 10 + i
	}
	return out
}

// TestEveryReasonHasText: each reason has words in both languages, with as
// many arguments as the store gives it.
func TestEveryReasonHasText(t *testing.T) {
	if len(store.Reasons()) < 50 {
		t.Fatalf("only %d reasons: the list is broken", len(store.Reasons()))
	}
	for _, r := range store.Reasons() {
		texts, ok := reasonText[r]
		if !ok {
			t.Errorf("reason %s has no text", r)
			continue
		}
		for i, s := range texts {
			if strings.TrimSpace(s) == "" {
				t.Errorf("reason %s: empty text in %s", r, []Lang{ES, EN}[i])
			}
			if n := len(verbs(s)); n != r.NArgs() {
				t.Errorf("reason %s: %q has %d verbs, the reason carries %d arguments", r, s, n, r.NArgs())
			}
		}
		for _, l := range locales() {
			got := l.Reason(r, sampleArgs(r.NArgs()))
			if strings.Contains(got, "%!") {
				t.Errorf("reason %s (%s): %q", r, l.Lang, got)
			}
		}
	}
	if len(reasonText) != len(store.Reasons()) {
		t.Errorf("%d texts for %d reasons: remove the texts of reasons that are gone", len(reasonText), len(store.Reasons()))
	}
}

// TestEveryCodeHasText: an error of every code, as the store builds them,
// reads as words in both languages — and only CodeInternal asks for a
// reference.
func TestEveryCodeHasText(t *testing.T) {
	samples := map[store.Code]error{
		store.CodeInvalid:        &store.ValidationError{Fields: map[string]store.FieldError{"first_name": {Reason: store.ReasonRequired}}},
		store.CodeNotFound:       &store.NotFoundError{What: store.EntityPatient, ID: int64(12)},
		store.CodeConflict:       &store.ConflictError{Field: "email", Reason: store.ReasonTaken},
		store.CodeForbidden:      &store.ForbiddenError{Action: "reading patients"},
		store.CodeLimit:          &store.LimitError{What: "patients", Limit: 10, Count: 10},
		store.CodeLocked:         &store.LockedError{Until: time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)},
		store.CodeSuspended:      store.ErrTenantSuspended,
		store.CodeBadCredentials: store.ErrBadCredentials,
		store.CodeDisabled:       store.ErrAccountDisabled,
		store.CodeExpired:        store.ErrSetupCodeExpired,
		store.CodeUnavailable:    &store.UnavailableError{Err: errors.New("dial unix /tmp/.s.PGSQL.5432: connect: no such file or directory")},
		store.CodeInternal:       errors.New("boom"),
	}
	for _, c := range store.Codes() {
		err, ok := samples[c]
		if !ok {
			t.Errorf("code %s: no sample error in this test; add one and its text", c)
			continue
		}
		if got := store.CodeOf(err); got != c {
			t.Errorf("sample of %s has code %s", c, got)
		}
		texts := map[Lang]string{}
		for _, l := range locales() {
			text, ref := l.ErrorText(err)
			texts[l.Lang] = text
			if strings.TrimSpace(text) == "" || strings.Contains(text, "%!") {
				t.Errorf("code %s (%s): %q", c, l.Lang, text)
			}
			if (ref != "") != (c == store.CodeInternal) {
				t.Errorf("code %s (%s): ref %q", c, l.Lang, ref)
			}
		}
		if texts[ES] == texts[EN] {
			t.Errorf("code %s: same text in both languages: %q", c, texts[ES])
		}
	}
}

// TestEveryFieldHasLabel: each field the store names in a validation or
// conflict error has a label (read from the store's source, so a new field
// without one fails here).
func TestEveryFieldHasLabel(t *testing.T) {
	srcs, err := srcscan.Read("../../store/*.go")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`(?:\bv\.add|\binvalid|\bconflict|cleanField\(v,|validName\(v,|keepsAnAdmin\(ctx, tx, \w+,|uniqueConflict\(err, "\w+",)\(?\s*"([a-z_]+)"`)
	seen := 0
	for _, src := range srcs {
		for _, m := range call.FindAllStringSubmatch(src.Text, -1) {
			seen++
			if _, ok := fieldText[m[1]]; !ok {
				t.Errorf("%s: field %q has no label", filepath.Base(src.Path), m[1])
			}
		}
	}
	if seen < 100 {
		t.Fatalf("found only %d field names in the store: the pattern is broken", seen)
	}
	for _, e := range store.Entities() {
		if _, ok := entityText[string(e)]; !ok {
			t.Errorf("entity %s has no text", e)
		}
	}
}

// codedOnly is a typed error the catalogue has no sentence of its own for.
type codedOnly struct{ c store.Code }

func (e codedOnly) Error() string    { return "coded only" }
func (e codedOnly) Code() store.Code { return e.c }

// TestEveryCodeHasAGeneralText: a typed error of a new kind (another
// helper's, say) still reads as its code's sentence, never as an internal
// error with a reference.
func TestEveryCodeHasAGeneralText(t *testing.T) {
	for _, c := range store.Codes() {
		if c == store.CodeInternal {
			continue
		}
		for _, l := range locales() {
			text, ref := l.ErrorText(fmt.Errorf("op: %w", codedOnly{c}))
			if ref != "" || strings.TrimSpace(text) == "" || strings.Contains(text, "coded only") {
				t.Errorf("code %s (%s): %q ref %q", c, l.Lang, text, ref)
			}
		}
	}
}

// TestInternalErrorsHideDetails: what the driver, the OS or a parser say
// never reaches a person; an unknown error shows a reference that is in the
// log next to the full error.
func TestInternalErrorsHideDetails(t *testing.T) {
	_, parseErr := strconv.ParseInt("x", 10, 64)
	cases := []struct {
		name string
		err  error
		code store.Code
	}{
		{"strconv", fmt.Errorf("get x: %w", parseErr), store.CodeInternal},
		{"nul byte", fmt.Errorf("create patient: %w", &pgconn.PgError{Code: "22021", Message: `invalid byte sequence for encoding "UTF8": 0x00`}), store.CodeInvalid},
		{"admin shutdown", fmt.Errorf("list sessions: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}), store.CodeUnavailable},
		{"socket gone", fmt.Errorf("acquire: %w", &pgconn.ConnectError{}), store.CodeUnavailable},
		{"refused", fmt.Errorf("failed to connect to `host=/work/data/run user=consultorio database=consultorio`: dial unix /work/data/run/.s.PGSQL.5432: %w", syscall.ECONNREFUSED), store.CodeUnavailable},
		{"unknown sqlstate", fmt.Errorf("query: %w", &pgconn.PgError{Code: "XX000", Message: "internal_error in pgx"}), store.CodeInternal},
		{"path", errors.New("open /var/lib/consultorio/secret.key: permission denied"), store.CodeInternal},
	}
	for _, c := range cases {
		if got := store.CodeOf(c.err); got != c.code {
			t.Errorf("%s: code %s, want %s", c.name, got, c.code)
		}
		for _, l := range locales() {
			var logged bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logged, nil))
			text := l.Error(log, c.err)
			for _, bad := range []string{"SQLSTATE", "22021", "57P01", "XX000", "pgx", "pgconn", "/", "strconv", "dial", "invalid syntax"} {
				if strings.Contains(strings.ToLower(text), strings.ToLower(bad)) {
					t.Errorf("%s (%s): %q shows %q", c.name, l.Lang, text, bad)
				}
			}
			if c.code != store.CodeInternal {
				if logged.Len() != 0 {
					t.Errorf("%s (%s): a known failure was logged as internal: %s", c.name, l.Lang, logged.String())
				}
				continue
			}
			ref := regexp.MustCompile(`ref ([0-9a-f]{8})`).FindStringSubmatch(text)
			if ref == nil {
				t.Errorf("%s (%s): no reference in %q", c.name, l.Lang, text)
				continue
			}
			if !strings.Contains(logged.String(), "ref="+ref[1]) || !strings.Contains(logged.String(), c.err.Error()[:10]) {
				t.Errorf("%s (%s): the log does not hold the error under ref %s: %s", c.name, l.Lang, ref[1], logged.String())
			}
		}
	}
}

// TestErrorTextLanguages: the same error reads in the user's language, with
// field labels and the reason's arguments.
func TestErrorTextLanguages(t *testing.T) {
	err := fmt.Errorf("save: %w", &store.ValidationError{Fields: map[string]store.FieldError{
		"first_name": {Reason: store.ReasonRequired},
		"notes":      {Reason: store.ReasonTooLong, Args: []any{20000}},
	}})
	es, _ := NewLocale(ES, "", nil).ErrorText(err)
	en, _ := NewLocale(EN, "", nil).ErrorText(err)
	if es != "Revise los datos: Nombres: es obligatorio; Notas: debe tener como máximo 20000 caracteres." {
		t.Errorf("es: %q", es)
	}
	if en != "Check the data: First name: is required; Notes: must have at most 20000 characters." {
		t.Errorf("en: %q", en)
	}
	nf, _ := NewLocale(ES, "", nil).ErrorText(&store.NotFoundError{What: store.EntitySession, ID: int64(7)})
	if nf != "No se encontró: sesión 7." {
		t.Errorf("not found es: %q", nf)
	}
	if !errors.Is(&store.NotFoundError{What: store.EntitySession}, store.ErrNotFound) {
		t.Error("a NotFoundError is not ErrNotFound")
	}
	if got, _ := NewLocale(EN, "", nil).ErrorText(context.Canceled); got != "Cancelled." {
		t.Errorf("cancelled: %q", got)
	}
}

// TestMoneyErrorsThroughTheCatalogue: the money parser's typed errors read
// as the money texts, not as a general or internal sentence.
func TestMoneyErrorsThroughTheCatalogue(t *testing.T) {
	_, err := store.ParseMoney("1,234", store.MoneyFormatOf("PEN"))
	if store.CodeOf(err) != store.CodeInvalid {
		t.Fatalf("ambiguous amount: code %s", store.CodeOf(err))
	}
	for _, l := range locales() {
		text, ref := l.ErrorText(fmt.Errorf("price: %w", err))
		if want, _ := l.AmountError(err); ref != "" || !strings.Contains(text, want[1:]) {
			t.Errorf("%s: %q (ref %q), want the money text %q", l.Lang, text, ref, want)
		}
	}
}
