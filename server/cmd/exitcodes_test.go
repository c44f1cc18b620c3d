package cmd

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"consultorio/store"
)

// ExitCase is one command line of testdata/exitcodes.json and the exit
// status it must end with: 0 ok, 1 the thing asked for failed (not found,
// conflict, forbidden), 2 usage (a bad flag or a bad value). The same table
// runs here over the in-process runner and in the server package through
// the real ssh client (TestScriptedExitCodesOverSSH). Cases run in order
// (a booking, then the same booking again: a conflict).
type ExitCase struct {
	Name string   `json:"name"`
	As   string   `json:"as"` // admin, desk (reception), drA (specialist A)
	Args []string `json:"args"`
	Code int      `json:"code"`
}

// loadExitCases reads the table with {patient}, {specialist} and {room}
// replaced by the ids of a clinic's patient A, specialist A and room.
func loadExitCases(t *testing.T, path string, patient, specialist, room string) []ExitCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []ExitCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	r := strings.NewReplacer("{patient}", patient, "{specialist}", specialist, "{room}", room)
	for i := range cases {
		for j, a := range cases[i].Args {
			cases[i].Args[j] = r.Replace(a)
		}
	}
	return cases
}

// TestExitCodes: a command's exit status comes from its error's type at the
// root, the same for patients, sessions, agenda and staff.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	who := map[string]*store.User{"admin": f.admin, "desk": f.desk, "drA": f.drA}
	for _, tc := range loadExitCases(t, "testdata/exitcodes.json", id64(f.patA.ID), id64(f.specA.ID), id64(f.room.ID)) {
		r := f.run(who[tc.As], tc.Args...)
		if r.code != tc.Code {
			t.Errorf("%s: %q as %s: exit %d, want %d (stderr %q)", tc.Name, strings.Join(tc.Args, " "), tc.As, r.code, tc.Code, r.err)
			continue
		}
		if tc.Code != 0 && (r.err == "" || strings.Count(strings.TrimRight(r.err, "\n"), "\n") != 0) {
			t.Errorf("%s: a failure prints one line on stderr, got %q", tc.Name, r.err)
		}
		if tc.Code == 2 && r.out != "" {
			t.Errorf("%s: a usage error printed on stdout: %q", tc.Name, r.out)
		}
	}
}
