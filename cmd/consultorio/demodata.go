package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// The demo clinic's data is generated, not stored in the binary: a fixed
// seed makes every run produce the same people, and the calendar is laid
// out around one anchor date (the day the demo clinic was created), so a
// later run finds exactly what an earlier one made and only fills gaps.

const demoSeed1, demoSeed2 = 20260601, 51 // any fixed pair; changing it changes every name

type demoSpecialist struct {
	First, Last, Specialty, Document, Phone, Email string
	CompType                                       string // fixed or percent
	CompValue                                      decimal.Decimal
	// Afternoon: works 14:00-20:00 Monday to Friday; otherwise 08:00-14:00
	// Monday to Saturday. Each shift has one room per specialist, so the
	// calendar never double-books a room.
	Afternoon   bool
	Room        int // index into rooms
	DurationMin int // 45 or 60
	// UserEmail, when set, is a staff login linked to the specialist.
	UserEmail string
}

type demoRoom struct {
	Name, Location string
	Capacity       int
	Equipment      []demoEquipment
}

type demoEquipment struct {
	Name, Code string
	Quantity   int
}

type demoPatient struct {
	First, Surname, Gender, Document, Phone, Email, Address string
	MaritalStatus, Education                                string
	BirthDate                                               time.Time // a calendar date (UTC midnight)
	Price                                                   decimal.Decimal
	Therapist                                               int // index into specialists
	Diagnosis, History, Allergies, Therapy                  string
	EmergencyName, EmergencyPhone, Notes                    string
	Status                                                  string // active, discharged, suspended
}

// demoSeries is a weekly appointment: Count sessions, one week apart.
type demoSeries struct {
	Patient, Specialist, Room int
	Start                     time.Time // first occurrence, in the clinic's zone
	Count                     int
	DurationMin               int
	Prepaid                   bool // a monthly package paid in advance
	Objective, Activity       string
	Materials                 string
}

// demoOutcome is what happened to one past session (or a future one
// cancelled already). Status is completed or cancelled; "" leaves it open.
type demoOutcome struct {
	Status       string
	Observation  string
	CancelReason string
	CancelDetail string
	// Paid: the patient paid (completed sessions only), by Method on PaidDays
	// days after the session.
	Paid     bool
	Method   string
	PaidDays int
}

type demoExpense struct {
	Name      string
	Amount    decimal.Decimal
	Fixed     bool
	Recurring bool
	Due       time.Time // a calendar date
	Paid      bool
	PaidDays  int // paid this many days before (negative: after) the due date
	Notes     string
}

// demoStaff is a non-specialist staff login.
type demoStaff struct {
	Email, Name, Role string
}

type demoData struct {
	Specialists []demoSpecialist
	Rooms       []demoRoom
	Staff       []demoStaff
	Patients    []demoPatient
	Series      []demoSeries
	Expenses    []demoExpense
}

var (
	femaleNames = []string{"María", "Lucía", "Rosa", "Carmen", "Ana", "Sofía", "Valeria", "Camila", "Daniela",
		"Gabriela", "Fiorella", "Milagros", "Claudia", "Patricia", "Ximena", "Andrea", "Luz", "Jimena", "Mariana",
		"Alejandra", "Katherine", "Diana", "Vanessa", "Pilar", "Yolanda", "Flor", "Isabel", "Elena", "Teresa",
		"Gloria", "Nicole", "Renata", "Kiara", "Antonella", "Marisol", "Giuliana", "Rocío", "Susana", "Julia", "Inés"}
	maleNames = []string{"José", "Luis", "Carlos", "Jorge", "Juan", "Miguel", "Diego", "Renzo", "Piero", "Sebastián",
		"Mateo", "Santiago", "Alonso", "Gonzalo", "Fernando", "Ricardo", "César", "Víctor", "Manuel", "Raúl",
		"Héctor", "Álvaro", "Eduardo", "Martín", "Andrés", "Jesús", "Percy", "Walter", "Óscar", "Hugo",
		"Fabricio", "Thiago", "Joaquín", "Rodrigo", "Christian", "Enrique", "Gustavo", "Pablo", "Franco", "Iván"}
	surnames = []string{"Quispe", "Mamani", "Huamán", "Flores", "García", "Rodríguez", "Sánchez", "Chávez", "Ramírez",
		"Torres", "Rojas", "Vargas", "Mendoza", "Castillo", "Gutiérrez", "Díaz", "Pérez", "López", "Gonzales",
		"Espinoza", "Vásquez", "Ruiz", "Fernández", "Ccori", "Condori", "Apaza", "Paredes", "Salazar", "Rivera",
		"Cárdenas", "Aguilar", "Ramos", "Herrera", "Medina", "Cruz", "Silva", "Vega", "Zapata", "Palacios",
		"Villanueva", "Tello", "Cusi", "Huanca", "Ticona", "Calderón", "Montoya", "Bustamante", "Delgado",
		"Navarro", "Cabrera", "Ñahui", "Yupanqui", "Inga", "Pacheco", "Valdivia", "Soto", "Núñez", "Campos"}
	districts = []string{"Miraflores", "San Isidro", "Santiago de Surco", "San Borja", "Jesús María", "Lince",
		"Pueblo Libre", "Magdalena del Mar", "La Molina", "Barranco", "San Miguel", "Los Olivos", "Chorrillos",
		"Surquillo", "Breña", "San Juan de Miraflores"}
	streets = []string{"Av. Arequipa", "Av. Brasil", "Jr. Huiracocha", "Calle Los Pinos", "Av. Benavides",
		"Av. La Marina", "Jr. Cuzco", "Calle Las Begonias", "Av. Javier Prado Este", "Av. Angamos Oeste",
		"Jr. Junín", "Calle Los Sauces", "Av. Salaverry", "Av. Universitaria", "Calle Schell", "Av. Pardo"}
	emailDomains = []string{"gmail.com", "hotmail.com", "outlook.com", "yahoo.es", "gmail.com", "gmail.com"}
)

// Therapy programmes: what a patient comes for, the plan of their sessions
// and what a therapist writes afterwards.
type demoProgramme struct {
	Diagnosis    string
	Therapy      string
	Objectives   []string
	Activities   []string
	Materials    []string
	Observations []string
	Child        bool
}

var demoSpecialties = []struct {
	Specialty  string
	Programmes []demoProgramme
}{
	{"Psicología clínica", []demoProgramme{
		{Diagnosis: "Trastorno de ansiedad generalizada (F41.1)", Therapy: "Terapia cognitivo-conductual, 12 sesiones",
			Objectives:   []string{"Identificar pensamientos automáticos ante situaciones de estrés", "Reducir la evitación de situaciones sociales", "Consolidar técnicas de respiración diafragmática"},
			Activities:   []string{"Registro de pensamientos y reestructuración cognitiva", "Exposición gradual con jerarquía de situaciones", "Entrenamiento en relajación progresiva de Jacobson"},
			Materials:    []string{"Autorregistro ABC", "Escala GAD-7"},
			Observations: []string{"Paciente refiere menor frecuencia de crisis durante la semana. Cumplió con los autorregistros.", "Identifica con claridad los pensamientos catastróficos; se trabaja la evidencia a favor y en contra.", "Se observa tensión al abordar el ámbito laboral. Se refuerza la respiración diafragmática.", "Buena adherencia. GAD-7 baja de 14 a 9 puntos."}},
		{Diagnosis: "Episodio depresivo leve (F32.0)", Therapy: "Activación conductual y terapia cognitiva",
			Objectives:   []string{"Aumentar actividades gratificantes durante la semana", "Mejorar la higiene del sueño"},
			Activities:   []string{"Programación de actividades y monitoreo del estado de ánimo", "Psicoeducación sobre el ciclo de la depresión"},
			Materials:    []string{"Agenda semanal de actividades", "Inventario de Beck (BDI-II)"},
			Observations: []string{"Refiere haber retomado caminatas tres veces por semana. Ánimo más estable.", "Duerme mejor; persisten rumiaciones nocturnas. Se asignan tareas de registro.", "Se muestra más expresiva. Reporta reconciliación con su hermana."}},
		{Diagnosis: "Duelo (Z63.4)", Therapy: "Acompañamiento en proceso de duelo",
			Objectives:   []string{"Expresar emociones asociadas a la pérdida", "Reorganizar rutinas familiares"},
			Activities:   []string{"Carta de despedida y trabajo con recuerdos", "Técnica de la silla vacía"},
			Observations: []string{"Sesión emotiva; logra hablar de la pérdida sin bloquearse.", "Retomó actividades laborales a medio tiempo. Se acuerda espaciar sesiones."}},
	}},
	{"Terapia de lenguaje", []demoProgramme{
		{Diagnosis: "Trastorno específico del desarrollo del habla (F80.0)", Therapy: "Terapia de articulación, 2 veces por semana", Child: true,
			Objectives:   []string{"Producir el fonema /r/ en posición inicial", "Discriminar auditivamente /r/ y /rr/", "Mejorar la praxia lingual"},
			Activities:   []string{"Praxias bucofonatorias frente al espejo", "Juego de tarjetas con pares mínimos", "Lectura de trabalenguas con apoyo visual"},
			Materials:    []string{"Espejo, baja lenguas, tarjetas fonológicas", "Cuento ilustrado"},
			Observations: []string{"Logra /r/ inicial en palabras aisladas con apoyo; aún sustituye por /l/ en el habla espontánea.", "Buena colaboración. Madre refiere práctica diaria en casa.", "Se cansó a mitad de sesión; se acortaron las actividades. Logro parcial del objetivo."}},
		{Diagnosis: "Retraso del lenguaje expresivo (F80.1)", Therapy: "Estimulación del lenguaje", Child: true,
			Objectives:   []string{"Ampliar el vocabulario de acciones", "Formar frases de tres elementos"},
			Activities:   []string{"Juego simbólico con la cocina de juguete", "Lectura compartida con preguntas abiertas"},
			Materials:    []string{"Cocina de juguete", "Láminas de acciones"},
			Observations: []string{"Usa 5 verbos nuevos durante el juego. Imita frases de tres palabras.", "Participó con entusiasmo; el padre observó la sesión y recibió pautas."}},
		{Diagnosis: "Tartamudez (F98.5)", Therapy: "Terapia de fluidez",
			Objectives:   []string{"Aplicar inicio suave en la lectura en voz alta"},
			Activities:   []string{"Habla lenta y prolongada con lectura de textos cortos"},
			Observations: []string{"Disminuyen los bloqueos en lectura; en conversación persisten repeticiones.", "Refiere menos ansiedad al hablar por teléfono."}},
	}},
	{"Terapia ocupacional", []demoProgramme{
		{Diagnosis: "Trastorno del espectro autista (F84.0)", Therapy: "Integración sensorial", Child: true,
			Objectives:   []string{"Mejorar la tolerancia a estímulos táctiles", "Aumentar el tiempo de atención en mesa"},
			Activities:   []string{"Circuito sensorial con texturas y columpio", "Actividades de enhebrado y encaje"},
			Materials:    []string{"Columpio, colchonetas, bandeja de texturas", "Enhebrado de cuentas"},
			Observations: []string{"Toleró la bandeja de arroz y frejoles por 4 minutos. Menos conductas de evitación.", "Se mantuvo 8 minutos en mesa con apoyo visual de la secuencia.", "Día difícil: llegó desregulado; se priorizó la regulación en el columpio."}},
		{Diagnosis: "Trastorno de la coordinación motora (F82)", Therapy: "Terapia de motricidad fina", Child: true,
			Objectives:   []string{"Mejorar la prensión del lápiz", "Recortar siguiendo líneas curvas"},
			Activities:   []string{"Trazos en pizarra vertical", "Recorte con tijera adaptada"},
			Materials:    []string{"Adaptador de lápiz, tijera de resorte"},
			Observations: []string{"Mejor prensión trípode; aún ejerce demasiada presión.", "Recorta líneas rectas sin salirse; curvas con ayuda."}},
	}},
	{"Psicología infantil", []demoProgramme{
		{Diagnosis: "Trastorno por déficit de atención con hiperactividad (F90.0)", Therapy: "Terapia conductual y orientación a padres", Child: true,
			Objectives:   []string{"Seguir consignas de dos pasos", "Establecer rutina de tareas escolares con economía de fichas"},
			Activities:   []string{"Juegos de turnos y autocontrol (Simón dice)", "Revisión del registro de fichas con los padres"},
			Materials:    []string{"Tablero de fichas", "Temporizador visual"},
			Observations: []string{"Cumplió 4 de 5 tareas de la semana. Los padres aplican el sistema de fichas.", "Mayor impulsividad hoy; la madre refiere cambios en casa. Se dan pautas.", "Espera su turno en el juego sin recordatorios."}},
		{Diagnosis: "Problemas de conducta en el ámbito escolar (Z55.8)", Therapy: "Terapia de juego",
			Objectives: []string{"Expresar el enojo con palabras", "Mejorar la relación con sus pares"}, Child: true,
			Activities:   []string{"Juego con títeres sobre situaciones del colegio", "Termómetro de emociones"},
			Observations: []string{"Reconoce tres señales corporales del enojo.", "La tutora reporta menos peleas en el recreo."}},
	}},
	{"Terapia física", []demoProgramme{
		{Diagnosis: "Lumbalgia mecánica crónica (M54.5)", Therapy: "Fisioterapia y ejercicio terapéutico, 10 sesiones",
			Objectives:   []string{"Disminuir el dolor lumbar (EVA < 4)", "Fortalecer la musculatura del core"},
			Activities:   []string{"Terapia manual y estiramientos de cadena posterior", "Ejercicios de estabilización lumbar en colchoneta"},
			Materials:    []string{"Compresas calientes, TENS", "Balón suizo"},
			Observations: []string{"EVA inicial 6, final 4. Tolera bien los ejercicios de plancha.", "Refiere menor rigidez matutina. Se progresa a ejercicios en balón.", "Dolor aumentado tras jornada laboral larga; se aplicó TENS y se reforzó la higiene postural."}},
		{Diagnosis: "Esguince de tobillo grado II (S93.4)", Therapy: "Rehabilitación de tobillo",
			Objectives:   []string{"Recuperar el rango articular", "Mejorar la propiocepción"},
			Activities:   []string{"Movilizaciones y crioterapia", "Ejercicios en tabla de equilibrio"},
			Materials:    []string{"Tabla de equilibrio, bandas elásticas"},
			Observations: []string{"Dorsiflexión mejorada en 10 grados. Marcha sin cojera.", "Mantiene equilibrio monopodal 20 segundos."}},
	}},
	{"Neuropsicología", []demoProgramme{
		{Diagnosis: "Deterioro cognitivo leve (F06.7)", Therapy: "Estimulación cognitiva",
			Objectives:   []string{"Mantener la memoria de trabajo", "Usar ayudas externas para la memoria"},
			Activities:   []string{"Ejercicios de memoria con listas y categorías", "Entrenamiento en uso de agenda"},
			Materials:    []string{"Cuadernillo de estimulación", "Agenda"},
			Observations: []string{"Recuerda 6 de 10 palabras tras 10 minutos. La hija supervisa la agenda.", "Buena orientación temporal; olvidos ocasionales de citas."}},
	}},
	{"Psicopedagogía", []demoProgramme{
		{Diagnosis: "Dislexia (F81.0)", Therapy: "Intervención psicopedagógica de lectoescritura", Child: true,
			Objectives:   []string{"Mejorar la conciencia fonológica", "Aumentar la velocidad lectora"},
			Activities:   []string{"Segmentación silábica con palmadas", "Lectura repetida de textos cortos cronometrada"},
			Materials:    []string{"Tarjetas de sílabas", "Cronómetro"},
			Observations: []string{"Lee 48 palabras por minuto (antes 40). Menos omisiones.", "Segmenta palabras de tres sílabas sin error."}},
		{Diagnosis: "Dificultades en el cálculo (F81.2)", Therapy: "Reforzamiento de matemáticas", Child: true,
			Objectives:   []string{"Resolver problemas de suma con llevadas"},
			Activities:   []string{"Material concreto (regletas) y juego de la tiendita"},
			Materials:    []string{"Regletas de Cuisenaire", "Billetes didácticos"},
			Observations: []string{"Comprende el valor posicional con regletas.", "Resolvió 7 de 10 problemas sin ayuda."}},
	}},
	{"Terapia familiar", []demoProgramme{
		{Diagnosis: "Problemas de relación entre padres e hijos (Z62.8)", Therapy: "Terapia familiar sistémica",
			Objectives:   []string{"Mejorar la comunicación entre madre e hija adolescente", "Acordar normas de convivencia"},
			Activities:   []string{"Genograma familiar", "Negociación de acuerdos con técnica de resolución de problemas"},
			Observations: []string{"Acuden madre e hija. Se elaboran tres acuerdos sobre horarios.", "Mejor clima en la sesión; la hija expresa sentirse escuchada."}},
	}},
}

var (
	demoAllergies  = []string{"", "", "", "", "", "Penicilina", "Ninguna conocida", "Polvo y ácaros", "AINES", "Mariscos", "Látex"}
	demoHistories  = []string{"", "Sin antecedentes de importancia.", "Parto prematuro a las 34 semanas.", "Hipertensión arterial controlada.", "Asma en la infancia.", "Hipotiroidismo en tratamiento.", "Evaluación psicológica previa en 2023.", "Diabetes tipo 2."}
	demoMarital    = []string{"soltero(a)", "casado(a)", "conviviente", "divorciado(a)", "viudo(a)"}
	demoEducation  = []string{"secundaria completa", "técnica", "universitaria", "universitaria incompleta", "posgrado"}
	demoChildEdu   = []string{"inicial", "primaria", "secundaria"}
	demoPrices     = []int64{80, 90, 100, 100, 120, 120, 150}
	demoCancelWhy  = []struct{ Reason, Detail string }{{"patient", "Avisó por WhatsApp que está enfermo"}, {"no_show", ""}, {"patient", "Viaje familiar"}, {"therapist", "Capacitación del especialista"}, {"clinic", "Corte de luz en el local"}, {"no_show", "No contestó las llamadas"}}
	demoPayMethods = []string{"cash", "cash", "cash", "card", "card", "transfer", "transfer", "other"}
)

// demoPlan generates the demo clinic around anchor (the day it was created,
// a calendar date in the clinic's zone loc).
func demoPlan(anchor time.Time, loc *time.Location) demoData {
	r := rand.New(rand.NewPCG(demoSeed1, demoSeed2))
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	usedDocs := map[string]bool{}
	dni := func() string {
		for {
			d := fmt.Sprintf("%08d", 10_000_000+r.IntN(79_999_999))
			if !usedDocs[d] {
				usedDocs[d] = true
				return d
			}
		}
	}
	phone := func() string { return fmt.Sprintf("9%02d %03d %03d", r.IntN(100), r.IntN(1000), r.IntN(1000)) }
	ascii := func(s string) string {
		s = strings.ToLower(s)
		return strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "ü", "u", " ", "").Replace(s)
	}
	var d demoData

	d.Rooms = []demoRoom{
		{Name: "Consultorio 1", Location: "Primer piso", Capacity: 2,
			Equipment: []demoEquipment{{"Diván", "divan", 1}, {"Escritorio", "escritorio", 1}}},
		{Name: "Consultorio 2", Location: "Primer piso", Capacity: 3,
			Equipment: []demoEquipment{{"Escritorio", "escritorio", 1}, {"Juegos de mesa", "juegos-mesa", 6}}},
		{Name: "Sala de lenguaje", Location: "Segundo piso", Capacity: 3,
			Equipment: []demoEquipment{{"Espejo de pared", "espejo", 1}, {"Tarjetas fonológicas", "tarjetas-fonologicas", 4}}},
		{Name: "Sala sensorial", Location: "Segundo piso", Capacity: 4,
			Equipment: []demoEquipment{{"Columpio terapéutico", "columpio", 1}, {"Colchonetas", "colchonetas", 6}, {"Balón suizo", "balon-suizo", 2}, {"Camilla", "camilla", 1}}},
	}

	// Eight specialists, one per specialty, four in each shift; each shift
	// shares the four rooms.
	for i, sp := range demoSpecialties {
		female := r.IntN(3) > 0
		first := pick(maleNames)
		if female {
			first = pick(femaleNames)
		}
		last := pick(surnames) + " " + pick(surnames)
		s := demoSpecialist{
			First: first, Last: last, Specialty: sp.Specialty, Document: dni(), Phone: phone(),
			Email:     ascii(first) + "." + ascii(strings.Fields(last)[0]) + "@demo.test",
			Afternoon: i%2 == 1, DurationMin: 60,
		}
		if sp.Specialty == "Terapia física" || sp.Specialty == "Terapia de lenguaje" {
			s.DurationMin = 45
		}
		if i%3 == 0 {
			s.CompType, s.CompValue = "fixed", decimal.NewFromInt(int64(2500+r.IntN(6)*250))
		} else {
			s.CompType, s.CompValue = "percent", decimal.NewFromInt(int64(40+r.IntN(4)*5))
		}
		// Two specialists get a login, to show the specialist's view.
		if i < 2 {
			s.UserEmail = s.Email
		}
		d.Specialists = append(d.Specialists, s)
	}
	// The therapies that need a room's equipment go there.
	roomOf := map[string]int{"Terapia de lenguaje": 2, "Terapia ocupacional": 3, "Terapia física": 3, "Psicopedagogía": 2}
	taken := map[[2]int]bool{} // (shift, room)
	for i := range d.Specialists {
		s := &d.Specialists[i]
		shift := 0
		if s.Afternoon {
			shift = 1
		}
		want, ok := roomOf[s.Specialty]
		if !ok || taken[[2]int{shift, want}] {
			for want = 0; taken[[2]int{shift, want}]; want++ {
			}
		}
		taken[[2]int{shift, want}] = true
		s.Room = want
	}

	d.Staff = []demoStaff{
		{Email: "recepcion@demo.test", Name: "Rocío Paredes Salazar", Role: "reception"},
		{Email: "caja@demo.test", Name: "Kevin Huanca Rojas", Role: "reception"},
	}

	// 300 patients, each with a therapist and a programme of that specialty.
	programmeOf := make([]demoProgramme, 300)
	for i := range 300 {
		th := i % len(d.Specialists)
		progs := demoSpecialties[th].Programmes
		prog := progs[r.IntN(len(progs))]
		programmeOf[i] = prog
		gender := "female"
		first := pick(femaleNames)
		if r.IntN(2) == 0 {
			gender, first = "male", pick(maleNames)
		}
		if r.IntN(6) == 0 { // a compound first name
			if gender == "female" {
				first += " " + pick(femaleNames)
			} else {
				first += " " + pick(maleNames)
			}
		}
		p1, p2 := pick(surnames), pick(surnames)
		age := 18 + r.IntN(60)
		if prog.Child {
			age = 3 + r.IntN(13)
		}
		birth := time.Date(anchor.Year()-age, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		p := demoPatient{
			First: first, Surname: p1 + " " + p2, Gender: gender, Document: dni(), Phone: phone(),
			Address:   fmt.Sprintf("%s %d, %s", pick(streets), 100+r.IntN(2900), pick(districts)),
			BirthDate: birth, Price: decimal.NewFromInt(demoPrices[r.IntN(len(demoPrices))]), Therapist: th,
			Diagnosis: prog.Diagnosis, Therapy: prog.Therapy, History: pick(demoHistories), Allergies: pick(demoAllergies),
			Status: "active",
		}
		if age >= 18 {
			p.Email = fmt.Sprintf("%s.%s%d@%s", ascii(strings.Fields(first)[0]), ascii(p1), r.IntN(100), pick(emailDomains))
			p.MaritalStatus = pick(demoMarital)
			p.Education = pick(demoEducation)
			p.EmergencyName = pick(slices.Concat(femaleNames, maleNames)) + " " + pick(surnames)
		} else {
			// A minor: the parent is the contact.
			parent := pick(femaleNames)
			if r.IntN(3) == 0 {
				parent = pick(maleNames)
			}
			p.EmergencyName = parent + " " + p1
			p.Education = pick(demoChildEdu)
			p.Notes = "Acude con " + parent + " (" + map[bool]string{true: "madre", false: "padre"}[slices.Contains(femaleNames, parent)] + ")."
		}
		p.EmergencyPhone = phone()
		switch n := r.IntN(20); {
		case n == 0:
			p.Status = "discharged"
		case n == 1:
			p.Status = "suspended"
		}
		d.Patients = append(d.Patients, p)
	}

	// The calendar: five weeks from the Monday three weeks before the anchor.
	monday := anchor.AddDate(0, 0, -((int(anchor.Weekday())+6)%7)-21)
	// Each specialist's weekly grid: (weekday, hour) slots of their shift,
	// about 60% of them taken by a patient's weekly appointment.
	nextPatient := make([]int, len(d.Specialists)) // round-robin over the therapist's patients
	for si, s := range d.Specialists {
		days, first := 6, 8
		if s.Afternoon {
			days, first = 5, 14
		}
		var mine []int
		for pi, p := range d.Patients {
			if p.Therapist == si && p.Status == "active" {
				mine = append(mine, pi)
			}
		}
		for day := range days {
			for h := range 6 {
				if r.IntN(10) >= 6 || nextPatient[si] >= len(mine) {
					continue
				}
				pi := mine[nextPatient[si]]
				nextPatient[si]++
				// Most come all month; some started later or stopped.
				week0, count := 0, 5
				switch r.IntN(8) {
				case 0:
					week0, count = 2, 3
				case 1:
					week0, count = 1, 4
				case 2:
					count = 3
				}
				start := time.Date(monday.Year(), monday.Month(), monday.Day()+day+7*week0, first+h, 0, 0, 0, loc)
				prog := programmeOf[pi]
				ser := demoSeries{Patient: pi, Specialist: si, Room: s.Room, Start: start, Count: count,
					DurationMin: s.DurationMin, Prepaid: r.IntN(7) == 0}
				if r.IntN(5) < 3 {
					ser.Objective = pick(prog.Objectives)
					ser.Activity = pick(prog.Activities)
					if len(prog.Materials) > 0 {
						ser.Materials = pick(prog.Materials)
					}
				}
				d.Series = append(d.Series, ser)
			}
		}
	}

	// Expenses of last month and this month.
	thisMonth := time.Date(anchor.Year(), anchor.Month(), 1, 0, 0, 0, 0, time.UTC)
	for mi, month := range []time.Time{thisMonth.AddDate(0, -1, 0), thisMonth} {
		due := func(day int) time.Time { return month.AddDate(0, 0, day-1) }
		past := mi == 0
		list := []demoExpense{
			{Name: "Alquiler del local", Amount: decimal.NewFromInt(3800), Fixed: true, Recurring: true, Due: due(5), Notes: "Transferencia al arrendador"},
			{Name: "Luz del Sur", Amount: decimal.New(int64((240+r.IntN(80))*100+r.IntN(100)), -2), Fixed: true, Recurring: true, Due: due(18)},
			{Name: "Sedapal (agua)", Amount: decimal.New(int64((80+r.IntN(40))*100+r.IntN(100)), -2), Fixed: true, Recurring: true, Due: due(20)},
			{Name: "Internet y telefonía", Amount: decimal.New(14990, -2), Fixed: true, Recurring: true, Due: due(12)},
			{Name: "Servicio de limpieza", Amount: decimal.NewFromInt(650), Fixed: true, Recurring: true, Due: due(28)},
			{Name: "Honorarios del contador", Amount: decimal.NewFromInt(450), Fixed: true, Recurring: true, Due: due(15)},
		}
		if past {
			list = append(list, demoExpense{Name: "Materiales de terapia", Amount: decimal.New(38650, -2), Due: due(9), Notes: "Plastilina, tarjetas, cuentos"})
		} else {
			list = append(list, demoExpense{Name: "Mantenimiento de aire acondicionado", Amount: decimal.NewFromInt(280), Due: due(22)})
		}
		for _, e := range list {
			// Last month's are paid; this month's, those already due.
			if past || !e.Due.After(time.Date(anchor.Year(), anchor.Month(), anchor.Day(), 0, 0, 0, 0, time.UTC)) {
				e.Paid, e.PaidDays = true, r.IntN(4)
			}
			d.Expenses = append(d.Expenses, e)
		}
	}
	return d
}

// demoOutcomeFor decides, from a fixed hash of the session's slot, what
// happened to a session that started before now: the same answer on every
// run, whatever order the sessions are visited in.
func demoOutcomeFor(series demoSeries, occurrence int, start time.Time, prog demoProgramme, past bool) demoOutcome {
	r := rand.New(rand.NewPCG(uint64(start.Unix()), uint64(series.Specialist*1000+series.Patient)))
	n := r.IntN(100)
	if !past {
		if n < 3 {
			c := demoCancelWhy[r.IntN(len(demoCancelWhy))]
			if c.Reason == "no_show" {
				c = demoCancelWhy[0]
			}
			return demoOutcome{Status: "cancelled", CancelReason: c.Reason, CancelDetail: c.Detail}
		}
		return demoOutcome{}
	}
	switch {
	case n < 9:
		c := demoCancelWhy[r.IntN(len(demoCancelWhy))]
		return demoOutcome{Status: "cancelled", CancelReason: c.Reason, CancelDetail: c.Detail}
	case n < 13:
		return demoOutcome{} // not closed yet: the specialist still has to write it up
	}
	o := demoOutcome{Status: "completed", Observation: prog.Observations[(occurrence+r.IntN(len(prog.Observations)))%len(prog.Observations)]}
	if r.IntN(100) < 85 {
		o.Paid, o.Method, o.PaidDays = true, demoPayMethods[r.IntN(len(demoPayMethods))], r.IntN(3)
	}
	return o
}

// programmeOf finds the programme a demo patient follows (by diagnosis).
func (d demoData) programmeOf(patient int) demoProgramme {
	p := d.Patients[patient]
	for _, pr := range demoSpecialties[p.Therapist].Programmes {
		if pr.Diagnosis == p.Diagnosis {
			return pr
		}
	}
	return demoSpecialties[p.Therapist].Programmes[0]
}
