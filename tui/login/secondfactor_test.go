package login

import (
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// The enrolment QR code of a typical account fits beside its text at
// 80×24, and its drawing is the code's modules, inverted for a dark
// terminal.
func TestQRBlocks(t *testing.T) {
	uri := "otpauth://totp/Consultorio:recepcion.lopez@clinica-san-isidro.pe?secret=JCGQ7SG4JXJBJJTRWH44CPCO75SEPABR"
	qr := qrBlocks(uri, true, 80-36, 20)
	if qr == "" {
		t.Fatal("the QR code of a typical account does not fit at 80x24")
	}
	lines := strings.Split(qr, "\n")
	q, err := qrcode.New(uri, qrcode.Low)
	if err != nil {
		t.Fatal(err)
	}
	q.DisableBorder = true
	bits := q.Bitmap()
	n := len(bits) + 2
	if len(lines) != (n+1)/2 {
		t.Fatalf("%d lines for %d modules", len(lines), n)
	}
	// Decode the half blocks back into modules and compare (dark
	// terminal: drawn = light module).
	for r := range n {
		row := []rune(lines[r/2])
		if len(row) != n {
			t.Fatalf("line %d has %d cells, want %d", r/2, len(row), n)
		}
		for c := range n {
			ch := row[c]
			drawn := ch == '█' || (r%2 == 0 && ch == '▀') || (r%2 == 1 && ch == '▄')
			light := r == 0 || c == 0 || r == n-1 || c == n-1 || !bits[r-1][c-1]
			if drawn != light {
				t.Fatalf("module (%d,%d): drawn %v, light %v", r, c, drawn, light)
			}
		}
	}
	if qrBlocks(uri, true, 20, 20) != "" {
		t.Error("a code wider than the room was drawn")
	}
}
