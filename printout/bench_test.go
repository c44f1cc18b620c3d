package printout_test

import (
	"fmt"
	"testing"
	"time"

	"consultorio/printout"
	"consultorio/store"
	"consultorio/tui/i18n"
)

// BenchmarkAgendaPDF draws a busy day: 8 specialists × 10 sessions. No
// database: the cost of the drawing alone (font parsing and subsetting
// included).
func BenchmarkAgendaPDF(b *testing.B) {
	l := i18n.NewLocale(i18n.ES, "PEN", lima)
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	var sessions []store.Session
	for s := range 8 {
		for h := range 10 {
			start := time.Date(2026, 12, 7, 8+h, 0, 0, 0, lima)
			sessions = append(sessions, store.Session{ID: int64(s*10 + h), SpecialistName: fmt.Sprintf("Begoña Ibáñez %d", s),
				PatientName: "José Núñez Peña", RoomName: "Sala Añil", StartsAt: start, EndsAt: start.Add(time.Hour),
				Status: store.SessionPlanned})
		}
	}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		pdf, err := printout.Agenda(l, "Clínica Ñandú", day, "", sessions, day)
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(size), "bytes/pdf")
}
