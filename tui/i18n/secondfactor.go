package i18n

// SecondFactor: the second-factor steps of the login (TOTP enrolment,
// code, recovery codes) and the policy setting.
type SecondFactor struct {
	CodeTitle      string
	Code           string
	CodeHint       string
	BadCode        string
	EnrolTitle     string
	EnrolIntro     string
	EnrolSecret    string
	EnrolFirstCode string
	EnrolNoQR      string // shown instead of the QR code when the window is too small
	RecoveryTitle  string
	RecoveryIntro  string
	RecoverySaved  string
	Verifying      string
	Enrolled       string
	// Scripted commands refused under the policy.
	CommandNeedsLogin string // hours the grant lasts
	// Clinic settings.
	Policy         string
	PolicyOff      string
	PolicyAdmins   string
	PolicyEveryone string
}

var esSecondFactor = SecondFactor{
	CodeTitle:         "Verificación en dos pasos",
	Code:              "Código de verificación",
	CodeHint:          "Los 6 dígitos de su aplicación de autenticación, o un código de recuperación.",
	BadCode:           "Código incorrecto o ya usado.",
	EnrolTitle:        "Active la verificación en dos pasos",
	EnrolIntro:        "Escanee el código QR con su aplicación de autenticación (o escriba la clave) y anote el primer código que muestre.",
	EnrolSecret:       "Clave",
	EnrolFirstCode:    "Primer código de la aplicación",
	EnrolNoQR:         "Agrande la ventana para ver el código QR.",
	RecoveryTitle:     "Códigos de recuperación",
	RecoveryIntro:     "Guárdelos en un lugar seguro: cada uno sirve una sola vez si pierde el teléfono. No se volverán a mostrar.",
	RecoverySaved:     "Los he guardado",
	Verifying:         "Verificando…",
	Enrolled:          "Verificación en dos pasos activada.",
	CommandNeedsLogin: "Esta clínica exige verificación en dos pasos: abra una sesión en la terminal (ssh sin comando) e ingrese su código; después podrá usar comandos con esta llave durante %d horas.",
	Policy:            "Verificación en dos pasos",
	PolicyOff:         "No exigida",
	PolicyAdmins:      "Exigida a administradores",
	PolicyEveryone:    "Exigida a todos",
}

var enSecondFactor = SecondFactor{
	CodeTitle:         "Two-step verification",
	Code:              "Verification code",
	CodeHint:          "The 6 digits from your authenticator app, or a recovery code.",
	BadCode:           "Wrong or already used code.",
	EnrolTitle:        "Turn on two-step verification",
	EnrolIntro:        "Scan the QR code with your authenticator app (or type the key) and enter the first code it shows.",
	EnrolSecret:       "Key",
	EnrolFirstCode:    "First code from the app",
	EnrolNoQR:         "Make the window larger to see the QR code.",
	RecoveryTitle:     "Recovery codes",
	RecoveryIntro:     "Keep them somewhere safe: each works once if you lose your phone. They will not be shown again.",
	RecoverySaved:     "I have saved them",
	Verifying:         "Verifying…",
	Enrolled:          "Two-step verification is on.",
	CommandNeedsLogin: "This clinic requires two-step verification: open a terminal session (ssh without a command) and enter your code; then this key may run commands for %d hours.",
	Policy:            "Two-step verification",
	PolicyOff:         "Not required",
	PolicyAdmins:      "Required for admins",
	PolicyEveryone:    "Required for everyone",
}
