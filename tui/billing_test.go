package tui

import (
	"context"
	"strings"
	"testing"

	"consultorio/store"
)

// TestBillingGenerateTwiceAndPay: generating a month twice creates the
// invoices once (the second run says 0); an invoice marked paid through the
// form shows its date and method; both runs and the payment have their
// operator audit rows; marking it unpaid again works.
func TestBillingGenerateTwiceAndPay(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	f.client(t, "clinica-sol", "Clínica del Sol", "350")
	f.client(t, "mente-sana", "Mente Sana", "180")
	term := f.start(t)
	term.WaitFor(t, "[1 Clientes]")
	term.Key("3")
	term.WaitFor(t, "[3 Facturación]", "No hay registros.", "moroso tras 15 días", "g generar mes")

	generate := func() {
		t.Helper()
		term.Key("g")
		focused(t, term, "Mes")
		term.WaitFor(t, "2026-11")
		term.Key("enter")
		focused(t, term, "¿Generar las facturas")
		term.Key("left")
		term.Key("enter")
	}
	generate()
	s := term.WaitFor(t, "✓ Facturas creadas: 2", "Clínica del Sol", "Mente Sana", "350.00", "180.00", "10/11/2026", "!16d", "2 en total")
	if strings.Contains(s, "› ") {
		t.Fatalf("the form did not close:\n%s", s)
	}
	generate()
	term.WaitFor(t, "✓ Facturas creadas: 0", "2 en total")
	if n := f.auditRows(t, "invoice.generate", "period:2026-11"); n != 2 {
		t.Fatalf("%d audit rows for the two runs", n)
	}

	// Pay Clínica del Sol's invoice (the first row).
	term.Key("m")
	focused(t, term, "Fecha de pago")
	term.WaitFor(t, "Clínica del Sol · 11/2026 · S/ 350.00", "26/11/2026")
	for range "26/11/2026" {
		term.Key("backspace")
	}
	term.Type("20/11/2026")
	term.Key("enter")
	focused(t, term, "Medio de pago")
	term.Key("enter")
	focused(t, term, "Referencia")
	term.Type("OP-7781")
	term.Key("enter")
	term.WaitFor(t, "✓ Factura marcada como pagada.", "20/11/2026", "transferencia")
	inv, err := f.db.ListInvoices(context.Background(), store.InvoiceFilter{Schema: "clinica-sol"})
	if err != nil || len(inv) != 1 || inv[0].PaidAt == nil || inv[0].Method != "transfer" || inv[0].Reference != "OP-7781" ||
		inv[0].PaidAt.Format("2006-01-02") != "2026-11-20" {
		t.Fatalf("invoice after payment: %+v, %v", inv, err)
	}
	if f.auditRows(t, "invoice.paid", "clinica-sol") != 1 {
		t.Fatal("no operator audit row for the payment")
	}

	// The unpaid filter leaves only Mente Sana's.
	term.Key("u")
	s = term.WaitFor(t, "impagas", "Mente Sana", "1 en total")
	if strings.Contains(s, "Clínica del Sol ") && strings.Contains(s, "OP-7781") {
		t.Fatalf("a paid invoice under the unpaid filter:\n%s", s)
	}
	term.Key("u")
	term.Key("u")
	term.WaitFor(t, "todas", "2 en total")
	term.Key("n")
	term.WaitFor(t, "¿Marcar la factura")
	term.Key("left")
	term.Key("enter")
	term.WaitFor(t, "✓ Factura marcada como impaga.")
	if f.auditRows(t, "invoice.unpaid", "clinica-sol") != 1 {
		t.Fatal("no operator audit row for marking unpaid")
	}
}

// TestBillingSettings: the morose-after-days setting is changed through its
// form and the list's title shows it.
func TestBillingSettings(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	term := f.start(t)
	term.WaitFor(t, "[1 Clientes]")
	term.Key("3")
	term.WaitFor(t, "moroso tras 15 días")
	term.Key("s")
	focused(t, term, "Días de atraso")
	term.Key("backspace")
	term.Key("backspace")
	term.Type("x")
	term.Key("enter")
	term.WaitFor(t, "Debe ser un número no negativo.")
	term.Key("backspace")
	term.Type("30")
	term.Key("enter")
	term.WaitFor(t, "✓ Ajuste guardado.", "moroso tras 30 días")
	s, err := f.db.PanelSettings(context.Background())
	if err != nil || s.MoroseAfterDays != 30 {
		t.Fatalf("settings %+v, %v", s, err)
	}
	if f.auditRows(t, "settings.update", "panel_settings") != 1 {
		t.Fatal("no operator audit row for the setting")
	}
}
