package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// /healthz reports the check: 200 when the database answers, 503 (without
// the reason, which may name internals) when it does not, and the check
// gets a deadline.
func TestHealthzFollowsTheCheck(t *testing.T) {
	m := New()
	var fail error
	var hadDeadline bool
	h := m.Handler(func(ctx context.Context) error {
		_, hadDeadline = ctx.Deadline()
		return fail
	})
	for _, tc := range []struct {
		err  error
		code int
		body string
	}{
		{nil, http.StatusOK, "ok\n"},
		{errors.New("dial tcp 10.0.0.5:5432: connection refused"), http.StatusServiceUnavailable, "database unavailable\n"},
	} {
		fail = tc.err
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != tc.code || string(body) != tc.body {
			t.Errorf("check error %v: %d %q, want %d %q", tc.err, rec.Code, body, tc.code, tc.body)
		}
		if !hadDeadline {
			t.Errorf("the health check ran without a deadline")
		}
	}
}
