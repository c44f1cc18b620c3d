package server

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
)

// exitCase is a line of server/cmd/testdata/exitcodes.json (the table the
// in-process TestExitCodes runs too).
type exitCase struct {
	Name string   `json:"name"`
	As   string   `json:"as"`
	Args []string `json:"args"`
	Code int      `json:"code"`
}

// TestScriptedExitCodesOverSSH runs the exit-status table through the real
// OpenSSH client against the real server: what a clinic's script sees.
func TestScriptedExitCodesOverSSH(t *testing.T) {
	t.Parallel()
	sshBin := openSSHBin(t, "ssh")
	ctx := context.Background()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	dir := t.TempDir()
	keyFiles := map[string]string{}
	addUser := func(who string, u *store.User) {
		var pub string
		keyFiles[who], pub = clientKeyFile(t, dir, who)
		a.addKey(t, u.ID, pub)
	}
	newUser := func(email string, role store.Role) *store.User {
		u, _, err := a.tn.CreateUser(ctx, store.System, store.NewUser{Email: email, Name: email, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	desk := newUser("desk@clinic-a.test", store.RoleReception)
	ana := newUser("ana@clinic-a.test", store.RoleSpecialist)
	spec, err := a.tn.CreateSpecialist(ctx, store.System, store.SpecialistInput{FirstName: "Ana", LastName: "Torres",
		Specialty: "Psicología", Document: "11111111", UserID: &ana.ID, CompType: store.CompPercent, CompValue: decimal.NewFromInt(40)})
	if err != nil {
		t.Fatal(err)
	}
	room, err := a.tn.CreateRoom(ctx, store.System, store.RoomInput{Name: "Consultorio 1"})
	if err != nil {
		t.Fatal(err)
	}
	pat, err := a.tn.CreatePatient(ctx, store.System, store.PatientInput{FirstName: "Lucía", Surname: "Mendoza",
		BirthDate: time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), TherapistID: &spec.ID})
	if err != nil {
		t.Fatal(err)
	}
	addUser("admin", a.admin)
	addUser("desk", desk)
	addUser("drA", ana)

	b, err := os.ReadFile("cmd/testdata/exitcodes.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []exitCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	ids := strings.NewReplacer("{patient}", strconv.FormatInt(pat.ID, 10), "{specialist}", strconv.FormatInt(spec.ID, 10),
		"{room}", strconv.FormatInt(room.ID, 10))

	srv := startServer(t, db)
	_, port, _ := net.SplitHostPort(srv.addr)
	for _, tc := range cases {
		// OpenSSH sends one command line: quote each argument for the
		// server's parser.
		words := make([]string, len(tc.Args))
		for i, arg := range tc.Args {
			words[i] = "'" + strings.ReplaceAll(ids.Replace(arg), "'", `'\''`) + "'"
		}
		_, errOut, code := runOpenSSH(t, sshBin, port, keyFiles[tc.As], "clinic-a@127.0.0.1", strings.Join(words, " "))
		if code != tc.Code {
			t.Errorf("%s: ssh clinic-a@host %s (as %s): exit %d, want %d (stderr %q)", tc.Name, strings.Join(words, " "), tc.As, code, tc.Code, errOut)
		}
		if code != 0 && strings.TrimSpace(errOut) == "" {
			t.Errorf("%s: failed without a word on stderr", tc.Name)
		}
	}
}
