package cmd

import (
	"strings"
	"testing"

	"consultorio/store"
)

func TestSpecialistsListAdd(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var s SpecialistView
	f.okJSON(&s, f.admin, "specialists", "add", "--first-name", "Carla", "--surname", "Vega", "--specialty", "Terapia de lenguaje",
		"--document", "33333333", "--email", "carla@example.com", "--comp", "fixed", "--comp-value", "1200")
	if s.ID == 0 || s.FirstName != "Carla" || s.LastName != "Vega" || s.Specialty != "Terapia de lenguaje" ||
		s.Document != "33333333" || s.CompType != "fixed" || deref(s.CompValue) != "1200.00" || !s.Active {
		t.Errorf("specialists add = %+v", s)
	}
	f.fails(1, "No se guardó (Documento): ya está en uso.", f.admin, "specialists", "add",
		"--first-name", "X", "--surname", "Y", "--specialty", "Z", "--document", "33333333")
	f.fails(1, "Su rol no permite esta acción.", f.desk, "specialists", "add",
		"--first-name", "X", "--surname", "Y", "--specialty", "Z", "--document", "44")
	f.fails(1, "Tipo de pago: debe ser uno de: fixed, percent", f.admin, "specialists", "add",
		"--first-name", "X", "--surname", "Y", "--specialty", "Z", "--document", "44", "--comp", "hourly")
	// The plan allows 4 active specialists: the 5th names limit and count.
	f.ok(f.admin, "specialists", "add", "--first-name", "D", "--surname", "Cuarto", "--specialty", "Z", "--document", "44")
	f.fails(1, "El plan permite 4 especialistas activos y hay 4.", f.admin, "specialists", "add",
		"--first-name", "E", "--surname", "Quinto", "--specialty", "Z", "--document", "55")

	var list []SpecialistView
	f.okJSON(&list, f.desk, "specialists", "list")
	if len(list) != 4 || list[0].LastName != "Cuarto" {
		t.Fatalf("specialists list = %+v", list)
	}
	// Reception reads the records but not the pay: payroll is the admin's
	// (Actor.MaySeeSpecialistPay, the same rule the TUI follows).
	for _, s := range list {
		if s.CompValue != nil || s.CompType != "" || s.Document == "" {
			t.Errorf("reception sees %+v", s)
		}
	}
	// A specialist sees colleagues redacted: no document, no pay.
	f.okJSON(&list, f.drA, "specialists", "list")
	for _, s := range list {
		if s.ID == f.specA.ID {
			if s.Redacted || s.Document != "11111111" {
				t.Errorf("own record redacted: %+v", s)
			}
			continue
		}
		if !s.Redacted || s.Document != "" || s.CompValue != nil {
			t.Errorf("colleague not redacted: %+v", s)
		}
	}
	text := f.ok(f.admin, "specialists", "list")
	if !strings.Contains(text, "porcentaje 40.00") || !strings.Contains(text, "fijo 1500.00") {
		t.Errorf("text list:\n%s", text)
	}
}

func TestSpecialistsAddLinksAUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user("dora@clinic-a.test", "Dora", store.RoleSpecialist)
	var s SpecialistView
	f.okJSON(&s, f.admin, "specialists", "add", "--first-name", "Dora", "--surname", "Paz", "--specialty", "Psicología",
		"--document", "66", "--user-email", "dora@clinic-a.test")
	if s.UserID == nil || *s.UserID != u.ID {
		t.Errorf("linked user = %v, want %d", s.UserID, u.ID)
	}
	f.fails(1, "No se encontró: usuario nobody@clinic-a.test.", f.admin, "specialists", "add", "--first-name", "Dora", "--surname", "Paz",
		"--specialty", "Psicología", "--document", "67", "--user-email", "nobody@clinic-a.test")
}

func TestRoomsListAdd(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var r RoomView
	f.okJSON(&r, f.admin, "rooms", "add", "--name", "Sala de juegos", "--capacity", "6", "--location", "2º piso")
	if r.ID == 0 || r.Name != "Sala de juegos" || r.Capacity != 6 || r.Location != "2º piso" || !r.Active ||
		r.SpecialistIDs == nil || r.Equipment == nil {
		t.Errorf("rooms add = %+v", r)
	}
	f.fails(1, "No se guardó (Nombre): ya está en uso.", f.admin, "rooms", "add", "--name", "Sala de juegos")
	f.fails(1, "Capacidad: debe estar entre 1 y 1000", f.admin, "rooms", "add", "--name", "Big", "--capacity", "5000")
	f.fails(1, "Su rol no permite esta acción.", f.desk, "rooms", "add", "--name", "Otra")
	var list []RoomView
	f.okJSON(&list, f.drB, "rooms", "list")
	if len(list) != 3 || list[0].Name != "Consultorio 1" || list[2].Name != "Sala de juegos" {
		t.Errorf("rooms list = %+v", list)
	}
	// JSON arrays are arrays, never null.
	if out := f.ok(f.admin, "rooms", "list", "--json"); !strings.Contains(out, `"specialist_ids": []`) {
		t.Errorf("rooms list JSON:\n%s", out)
	}
}

func TestStaffListAddKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var u UserView
	f.okJSON(&u, f.admin, "staff", "add", "--email", "Nuevo@Clinic-A.test", "--name", "Nuevo", "--role", "reception")
	if u.ID == 0 || u.Email != "nuevo@clinic-a.test" || u.Role != "reception" || !u.Active || u.HasPassword || u.SetupCode == "" {
		t.Fatalf("staff add = %+v", u)
	}
	// The setup code printed is the real one: it logs the user in.
	if _, err := f.tn.LoginSetupCode(f.ctx, "nuevo@clinic-a.test", u.SetupCode, "192.0.2.1:1"); err != nil {
		t.Errorf("the printed setup code does not log in: %v", err)
	}
	text := f.ok(f.admin, "staff", "add", "--email", "otro@clinic-a.test", "--name", "Otro", "--role", "specialist")
	if !strings.Contains(text, "código de configuración:") || !strings.Contains(text, "se muestra solo ahora") {
		t.Errorf("staff add text:\n%s", text)
	}
	f.fails(1, "No se guardó (Correo): ya está en uso.", f.admin, "staff", "add", "--email", "otro@clinic-a.test",
		"--name", "Otro", "--role", "specialist")
	f.fails(1, "Rol: debe ser uno de: admin, specialist, reception", f.admin, "staff", "add", "--email", "x@clinic-a.test",
		"--name", "X", "--role", "boss")
	f.fails(1, "Su rol no permite esta acción.", f.desk, "staff", "add", "--email", "x@clinic-a.test",
		"--name", "X", "--role", "admin")

	var list []UserView
	f.okJSON(&list, f.desk, "staff", "list")
	if len(list) != 6 {
		t.Fatalf("staff list has %d users", len(list))
	}
	for _, u := range list {
		if u.SetupCode != "" {
			t.Errorf("staff list shows a setup code: %+v", u)
		}
		if u.Email == f.drA.Email && (u.SpecialistID == nil || *u.SpecialistID != f.specA.ID) {
			t.Errorf("specialist link: %+v", u)
		}
	}
	f.fails(1, "Su rol no permite esta acción.", f.drA, "staff", "list")

	// Keys: read from stdin (the first line that is not blank or a comment).
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl rosa@desk"
	r := f.runIn(f.admin, "# Rosa's laptop\n\n"+key+"\n", "staff", "keys", "add", "--email", f.desk.Email, "--json")
	if r.code != 0 {
		t.Fatalf("keys add: exit %d %q", r.code, r.err)
	}
	k := jsonKeys(t, r.out)
	if string(k["label"]) != `"rosa@desk"` || !strings.HasPrefix(string(k["fingerprint"]), `"SHA256:`) {
		t.Errorf("keys add = %s", r.out)
	}
	r = f.runIn(f.admin, key+"\n", "staff", "keys", "add", "--email", f.desk.Email)
	if r.code != 1 || !strings.Contains(r.err, "No se guardó (Llave pública): ya está en uso.") {
		t.Errorf("same key twice: exit %d %q", r.code, r.err)
	}
	if r = f.runIn(f.admin, "", "staff", "keys", "add", "--email", f.desk.Email); r.code != 2 || !strings.Contains(r.err, "no hay llave pública en la entrada estándar") {
		t.Errorf("empty stdin: exit %d %q", r.code, r.err)
	}
	if r = f.runIn(f.admin, "not a key\n", "staff", "keys", "add", "--email", f.desk.Email); r.code != 1 {
		t.Errorf("garbage key: exit %d %q", r.code, r.err)
	}
	// Only an admin registers someone else's key; anyone their own.
	if r = f.runIn(f.desk, key+"\n", "staff", "keys", "add", "--email", f.admin.Email); r.code != 1 ||
		!strings.Contains(r.err, "Su rol no permite esta acción.") {
		t.Errorf("reception adding the admin's key: exit %d %q", r.code, r.err)
	}
	var keys []UserKeyView
	f.okJSON(&keys, f.desk, "staff", "keys", "list", "--email", f.desk.Email)
	if len(keys) != 1 || keys[0].UserID != f.desk.ID {
		t.Errorf("keys list = %+v", keys)
	}
}
