package store_test

import (
	"context"
	"errors"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
)

// Issue 12 F11: a clinic's SSH name must not be a word of the server's own
// host name. With the host name configured, creating such a clinic or
// domain is refused, and a clinic that took one before the host name was
// configured is not reached through it (only through its other names).
func TestHostNameIsNoClinicsName(t *testing.T) {
	ctx := context.Background()
	url := storetest.NewURL(t)
	// Before: no host name configured; a clinic takes "turnos" and a domain
	// whose first label is "salud".
	plain, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "turnos", Name: "Squatter",
		AdminEmail: "a@squat.test", Domains: []string{"salud.squat.test"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "cmed", Name: "Consultorio Médico",
		AdminEmail: "a@cmed.test", Domains: []string{"cm.clinicas.test"}}); err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(ctx, url, store.Options{HostName: "Turnos.Salud.pe."})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range []string{"turnos", "TURNOS", "salud", "pe", "salud.pe", "turnos.salud.pe"} {
		if tn, err := db.ResolveTenant(ctx, name); !errors.Is(err, store.ErrNoSuchTenant) {
			t.Errorf("ResolveTenant(%q) = %v, %v; want no such clinic", name, tn, err)
		}
	}
	// The clinic is still reached by its other names; others are unaffected.
	for name, want := range map[string]string{"salud.squat.test": "turnos", "cm": "cmed", "cmed": "cmed", "cm.clinicas.test": "cmed"} {
		tn, err := db.ResolveTenant(ctx, name)
		if err != nil || tn.Info.Schema != want {
			t.Errorf("ResolveTenant(%q) = %v, %v; want %s", name, tn, err, want)
		}
	}

	// Creation refuses the host's words as schema names and domains.
	refused := []store.NewTenant{
		{Schema: "salud", Name: "X", AdminEmail: "a@x.test"},
		{Schema: "okname", Name: "X", AdminEmail: "a@x.test", Domains: []string{"salud.pe"}},
		{Schema: "okname", Name: "X", AdminEmail: "a@x.test", Domains: []string{"turnos.salud.pe"}},
		{Schema: "okname", Name: "X", AdminEmail: "a@x.test", Domains: []string{"turnos.other.test"}},
	}
	for _, nt := range refused {
		_, err := db.CreateTenant(ctx, store.CLI, nt)
		var ve *store.ValidationError
		if !errors.As(err, &ve) || (ve.Reason("schema") != store.ReasonHostName && ve.Reason("domain") != store.ReasonHostName) {
			t.Errorf("CreateTenant(%s %v) = %v; want refused as the host's name", nt.Schema, nt.Domains, err)
		}
	}
	var ve *store.ValidationError
	if _, err := db.AddDomain(ctx, store.CLI, "cmed", "pe.cmed.test"); !errors.As(err, &ve) || ve.Reason("domain") != store.ReasonHostName {
		t.Errorf("AddDomain with the first label pe = %v; want refused", err)
	}
	if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "okname", Name: "OK", AdminEmail: "a@ok.test",
		Domains: []string{"ok.salud.pe"}}); err != nil {
		t.Errorf("a clinic without host words: %v", err)
	}
}
