package mail

import (
	"fmt"
	"strings"
	"time"
)

// Event is one calendar entry of an .ics attachment.
type Event struct {
	UID         string // stable per session, so a calendar updates the entry
	Sequence    int    // higher for a later version of the same UID
	Start       time.Time
	Duration    time.Duration
	Summary     string
	Location    string
	Description string
	Cancelled   bool
}

// ICS writes a one-event iCalendar object (RFC 5545): times in UTC, text
// escaped, lines folded at 75 octets and ended with CRLF.
func ICS(e Event, stamp time.Time) []byte {
	const utc = "20060102T150405Z"
	method, status := "PUBLISH", "CONFIRMED"
	if e.Cancelled {
		method, status = "CANCEL", "CANCELLED"
	}
	lines := []string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//Consultorio//ES",
		"CALSCALE:GREGORIAN",
		"METHOD:" + method,
		"BEGIN:VEVENT",
		"UID:" + icsText(e.UID),
		fmt.Sprintf("SEQUENCE:%d", e.Sequence),
		"DTSTAMP:" + stamp.UTC().Format(utc),
		"DTSTART:" + e.Start.UTC().Format(utc),
		"DTEND:" + e.Start.Add(e.Duration).UTC().Format(utc),
		"SUMMARY:" + icsText(e.Summary),
		"LOCATION:" + icsText(e.Location),
		"DESCRIPTION:" + icsText(e.Description),
		"STATUS:" + status,
		"END:VEVENT",
		"END:VCALENDAR",
	}
	var b strings.Builder
	for _, l := range lines {
		fold(&b, l)
	}
	return []byte(b.String())
}

// icsText escapes a TEXT value: backslash, semicolon, comma and newlines.
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// fold writes one content line, folded so that no line exceeds 75 octets
// (never inside a UTF-8 sequence), continuation lines starting with a space.
func fold(b *strings.Builder, line string) {
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && line[cut]&0xC0 == 0x80 {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}
