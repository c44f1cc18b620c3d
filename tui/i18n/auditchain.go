package i18n

// AuditChain: the verification line of the audit screens (clinic and panel).
type AuditChain struct {
	Checking string
	OK       string // entries
	Altered  string // entry number
	Missing  string // entry number
	Head     string // entry number
	Failed   string
}

var esAuditChain = AuditChain{
	Checking: "Verificando la cadena…",
	OK:       "Cadena íntegra: %d entradas",
	Altered:  "CADENA ROTA en la entrada #%d (modificada)",
	Missing:  "CADENA ROTA en la entrada #%d (faltan entradas anteriores)",
	Head:     "CADENA ROTA tras la entrada #%d (faltan las últimas)",
	Failed:   "No se pudo verificar la cadena",
}

var enAuditChain = AuditChain{
	Checking: "Verifying the chain…",
	OK:       "Chain intact: %d entries",
	Altered:  "CHAIN BROKEN at entry #%d (changed)",
	Missing:  "CHAIN BROKEN at entry #%d (earlier entries removed)",
	Head:     "CHAIN BROKEN after entry #%d (newest removed)",
	Failed:   "Could not verify the chain",
}
