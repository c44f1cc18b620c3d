// Package printout renders a clinic's printable documents as PDF: the
// day's agenda (one page per specialist), the cash close, a patient's
// statement and the receipt of a payment. It only draws: the values come
// from the store's operations (which decide who may see what), the words
// and formats from the user's i18n.Locale, amounts from the one money
// formatter.
//
// Text is drawn with an embedded UTF-8 TrueType font (DejaVu Sans
// Condensed, Bitstream Vera licence, fonts/LICENSE) rather than fpdf's core
// fonts: those are cp1252 only, which covers Spanish but turns any other
// letter a patient's name may carry (ł, ő, ă, Greek, Cyrillic…) into '?'.
// fpdf subsets the font, so a document carries only the glyphs it uses
// (tens of KB), and writes a ToUnicode map, so text extraction and search
// in a PDF reader see the real letters.
package printout

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"consultorio/tui/i18n"
	"consultorio/tui/sanitize"
)

var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	fontBold []byte
)

const (
	family   = "dejavu"
	pageW    = 210.0 // A4, mm
	margin   = 15.0
	bodyW    = pageW - 2*margin
	lineH    = 6.0
	fontSize = 9.5
)

// doc is one document being drawn.
type doc struct {
	pdf    *fpdf.Fpdf
	l      *i18n.Locale
	clinic string
	title  string
	issued time.Time
}

// newDoc starts an A4 portrait document with the clinic's header and a
// footer with the issue time and page numbers on every page. The creation
// date is the issue time (the clinic's clock), so the same document drawn
// twice is the same bytes.
func newDoc(l *i18n.Locale, clinic, title string, issued time.Time) *doc {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(family, "", fontRegular)
	pdf.AddUTF8FontFromBytes(family, "B", fontBold)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin+5)
	pdf.SetCreationDate(issued)
	pdf.SetModificationDate(issued)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(clean(title), true)
	pdf.SetAuthor(clean(clinic), true)
	pdf.SetCreator("Consultorio", true)
	pdf.AliasNbPages("{nb}")
	d := &doc{pdf: pdf, l: l, clinic: clean(clinic), title: clean(title), issued: issued}
	pdf.SetHeaderFunc(d.header)
	pdf.SetFooterFunc(d.footer)
	return d
}

func (d *doc) header() {
	d.pdf.SetFont(family, "B", 13)
	d.pdf.CellFormat(bodyW, 7, d.clinic, "", 1, "L", false, 0, "")
	d.pdf.SetFont(family, "B", 11)
	d.pdf.CellFormat(bodyW, 7, d.title, "B", 1, "L", false, 0, "")
	d.pdf.Ln(3)
	d.pdf.SetFont(family, "", fontSize)
}

func (d *doc) footer() {
	d.pdf.SetY(-margin)
	d.pdf.SetFont(family, "", 8)
	d.pdf.CellFormat(bodyW/2, 5, fmt.Sprintf(d.l.M.Documents.Issued, d.l.DateTime(d.issued)), "T", 0, "L", false, 0, "")
	d.pdf.CellFormat(bodyW/2, 5, fmt.Sprintf(d.l.M.Documents.Page, d.pdf.PageNo(), "{nb}"), "T", 0, "R", false, 0, "")
}

// col is a table column: a share of the body width, right-aligned or not.
type col struct {
	title string
	width float64 // mm
	right bool
}

// row draws one table line, each cell cut to its column with "…".
func (d *doc) row(cols []col, cells []string, bold bool) {
	style := ""
	if bold {
		style = "B"
	}
	d.pdf.SetFont(family, style, fontSize)
	for i, c := range cols {
		align := "L"
		if c.right {
			align = "R"
		}
		d.pdf.CellFormat(c.width, lineH, d.fit(clean(cells[i]), c.width-2), "", 0, align, false, 0, "")
	}
	d.pdf.Ln(lineH)
	d.pdf.SetFont(family, "", fontSize)
}

// tableHeader draws the column titles, underlined.
func (d *doc) tableHeader(cols []col) {
	d.pdf.SetFont(family, "B", fontSize)
	for _, c := range cols {
		align := "L"
		if c.right {
			align = "R"
		}
		d.pdf.CellFormat(c.width, lineH, d.fit(c.title, c.width-2), "B", 0, align, false, 0, "")
	}
	d.pdf.Ln(lineH)
	d.pdf.SetFont(family, "", fontSize)
}

// rule draws a horizontal line across the body.
func (d *doc) rule() {
	y := d.pdf.GetY()
	d.pdf.Line(margin, y, margin+bodyW, y)
}

// text draws a paragraph.
func (d *doc) text(s string) {
	d.pdf.MultiCell(bodyW, lineH, clean(s), "", "L", false)
}

// fit cuts s to width w (mm) in the current font, ending it with "…".
func (d *doc) fit(s string, w float64) string {
	if d.pdf.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && d.pdf.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// bytes finishes the document. The footers' page count is written as the
// alias "{nb}", which the library replaces once the last page is known.
func (d *doc) bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := d.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// clean makes text others typed safe to draw: control characters become
// visible pictures (tui/sanitize), nothing is dropped silently.
func clean(s string) string { return strings.TrimSpace(sanitize.Line(s)) }
