package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// pdfText opens a PDF with poppler's pdftotext (a reader must parse it) and
// returns its text.
func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	if !strings.HasPrefix(pdf, "%PDF-") {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 40)])
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, []byte(pdf), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils, scripts/ensure-deps.sh): %v: %s", err, out)
	}
	return string(out)
}

// cash-close: the totals by method are the sums of the payments it lists,
// in --json, text and --pdf.
func TestCashCloseCommand(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pays := []struct{ start, amount, method string }{
		{"2026-11-19 09:00", "80", "cash"}, {"2026-11-19 10:00", "120.50", "cash"},
		{"2026-11-19 11:00", "95", "card"}, {"2026-11-19 12:00", "60.25", "transfer"},
	}
	for _, p := range pays {
		s := f.book(p.start)
		f.ok(f.desk, "payments", "mark-paid", id64(s.ID), "--amount", p.amount, "--method", p.method, "--date", "2026-11-19")
	}
	other := f.book("2026-11-20 09:00")
	f.ok(f.desk, "payments", "mark-paid", id64(other.ID), "--amount", "999") // today, 2026-11-20

	var v CashCloseView
	f.okJSON(&v, f.desk, "cash-close", "--date", "2026-11-19")
	sums := map[string]decimal.Decimal{}
	for _, p := range v.Payments {
		sums[p.Method] = sums[p.Method].Add(decimal.RequireFromString(p.Amount))
	}
	want := map[string]string{"cash": "200.50", "card": "95.00", "transfer": "60.25", "other": "0.00"}
	for _, m := range v.Methods {
		if m.Total != want[m.Method] || sums[m.Method].StringFixed(2) != m.Total {
			t.Errorf("method %s: total %s, listed %s, want %s", m.Method, m.Total, sums[m.Method].StringFixed(2), want[m.Method])
		}
	}
	if v.Date != "2026-11-19" || v.Total != "355.75" || v.Count != 4 || len(v.Methods) != 4 {
		t.Errorf("cash close = %+v", v)
	}
	text := f.ok(f.admin, "cash-close", "--date", "2026-11-19")
	for _, s := range []string{"MEDIO", "efectivo", "200.50", "total", "355.75", "Lucía Mendoza"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}
	pdf := pdfText(t, f.ok(f.desk, "cash-close", "--date", "2026-11-19", "--pdf"))
	for _, s := range []string{"Cierre de caja del jueves 19 de noviembre de 2026", "Lucía Mendoza", "S/ 355.75", "S/ 200.50"} {
		if !strings.Contains(pdf, s) {
			t.Errorf("PDF lacks %q:\n%s", s, pdf)
		}
	}
	// Today by default.
	f.okJSON(&v, f.desk, "cash-close")
	if v.Date != "2026-11-20" || v.Total != "999.00" {
		t.Errorf("today: %+v", v)
	}
	f.fails(1, "Su rol no permite esta acción.", f.drA, "cash-close")
	f.fails(2, "--pdf y --json se excluyen", f.desk, "cash-close", "--pdf", "--json")
}

// --pdf is refused on a terminal: its line discipline would rewrite the
// bytes (\n → \r\n) into a broken file.
func TestPDFRefusedOnATerminal(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var out, errb strings.Builder
	env := &Env{DB: f.db, Tenant: f.tn, User: f.desk, RemoteAddr: f.remote, Stdin: strings.NewReader(""),
		Stdout: &out, Stderr: &errb, Terminal: true}
	res := Run(f.ctx, env, Clinic, []string{"agenda", "--date", "2026-11-20", "--pdf"})
	if res.Code != 2 || out.Len() != 0 || !strings.Contains(errb.String(), "sin terminal") {
		t.Errorf("exit %d, stdout %d bytes, stderr %q", res.Code, out.Len(), errb.String())
	}
	// Text output on a terminal is fine.
	env.Terminal = true
	out.Reset()
	if res := Run(f.ctx, env, Clinic, []string{"agenda", "--date", "2026-11-20"}); res.Code != 0 {
		t.Errorf("agenda on a terminal: exit %d", res.Code)
	}
}

// patients statement and payments receipt, and none of the documents
// reception gets shows a specialist's pay (specialist B is paid a fixed
// 1500.00; specialist A 40 %).
func TestStatementReceiptAndAgendaCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s1 := f.book("2026-11-18 10:00")
	f.ok(f.drA, "sessions", "complete", id64(s1.ID), "--observation", "ok")
	s2 := f.book("2026-11-19 10:00")
	f.ok(f.drA, "sessions", "complete", id64(s2.ID), "--observation", "ok")
	f.ok(f.desk, "payments", "mark-paid", id64(s2.ID), "--method", "card", "--reference", "VOU-1", "--date", "2026-11-19")
	var sb SessionView
	f.okJSON(&sb, f.desk, "sessions", "book", "--patient", id64(f.patB.ID), "--specialist", id64(f.specB.ID),
		"--room", id64(f.room2.ID), "--start", "2026-11-20 10:00")

	var st StatementView
	f.okJSON(&st, f.desk, "patients", "statement", id64(f.patA.ID))
	if st.PatientName != "Lucía Mendoza" || len(st.Lines) != 2 || st.Paid != "80.00" || st.Balance != "80.00" ||
		!st.Lines[0].Owed || !st.Lines[1].Paid {
		t.Errorf("statement = %+v", st)
	}
	pdf := pdfText(t, f.ok(f.desk, "patients", "statement", id64(f.patA.ID), "--pdf"))
	for _, s := range []string{"Estado de cuenta", "Lucía Mendoza", "Ana Torres", "Saldo pendiente", "adeuda"} {
		if !strings.Contains(pdf, s) {
			t.Errorf("statement PDF lacks %q:\n%s", s, pdf)
		}
	}
	f.fails(1, "Su rol no permite esta acción.", f.drA, "patients", "statement", id64(f.patA.ID))

	var r ReceiptView
	f.okJSON(&r, f.desk, "payments", "receipt", id64(s2.ID))
	if r.Number == 0 || r.Payment.Amount != "80.00" || r.Payment.Method != "card" || r.IssuedBy != "Rosa Recepción" {
		t.Errorf("receipt = %+v", r)
	}
	pdf = pdfText(t, f.ok(f.desk, "payments", "receipt", id64(s2.ID), "--pdf"))
	for _, s := range []string{"Recibo n.º", "Lucía Mendoza", "S/ 80.00", "tarjeta · VOU-1", "Rosa Recepción"} {
		if !strings.Contains(pdf, s) {
			t.Errorf("receipt PDF lacks %q:\n%s", s, pdf)
		}
	}
	f.fails(1, "está sin pagar: no se puede emitir su recibo", f.desk, "payments", "receipt", id64(s1.ID))
	// A specialist: receipts of their own sessions only.
	f.ok(f.drA, "payments", "receipt", id64(s2.ID))
	f.fails(1, "No se encontró: pago", f.drB, "payments", "receipt", id64(s2.ID))

	pdf = pdfText(t, f.ok(f.desk, "agenda", "--date", "2026-11-20", "--specialist", id64(f.specB.ID), "--pdf"))
	for _, s := range []string{"Agenda del viernes 20 de noviembre de 2026", "Agenda de Beto Ríos", "Mario Quispe", "10:00–11:00"} {
		if !strings.Contains(pdf, s) {
			t.Errorf("agenda PDF lacks %q:\n%s", s, pdf)
		}
	}

	// Reception's documents carry no pay: not as a field, not as a figure.
	outs := []string{
		f.ok(f.desk, "cash-close", "--date", "2026-11-19", "--json"),
		f.ok(f.desk, "patients", "statement", id64(f.patB.ID), "--json"),
		f.ok(f.desk, "payments", "receipt", id64(s2.ID), "--json"),
		pdfText(t, f.ok(f.desk, "cash-close", "--date", "2026-11-19", "--pdf")),
		pdfText(t, f.ok(f.desk, "patients", "statement", id64(f.patB.ID), "--pdf")),
		pdfText(t, f.ok(f.desk, "agenda", "--date", "2026-11-20", "--pdf")),
	}
	for i, out := range outs {
		for _, bad := range []string{"comp_", "1500", "1,500", "40%", "40 %", "payroll"} {
			if strings.Contains(out, bad) {
				t.Errorf("document %d shows %q:\n%s", i, bad, out)
			}
		}
	}
}
