// Package tui is Consultorio's terminal UI: the clinic app (NewClinicApp)
// and the operator panel (NewPanelApp), both Bubble Tea v2 models.
//
// It knows nothing of SSH: the server gives it the identity it authenticated
// (or none: then the login form comes first), the store, the terminal's size
// and background, so every screen can be tested alone (package tuitest).
//
// # The frame
//
// After login the shell draws, at 80x24 and larger:
//
//	row 0      header: "Consultorio · <clinic>" … "<user> · <role> · N sin leer" (reverse video)
//	row 1      navigation bar: "[1 Agenda] 2 Sesiones …" (active in [brackets], reverse + bold;
//	           ‹ › when screens are hidden for lack of width)
//	rows 2…h-3 the active screen's body (Screen.View(width, height-4))
//	row h-2    status line: "✓ confirmation" / "✗ error" on the left, spinner + "Cargando…" on the right
//	row h-1    help line: the screen's keys, then navigation, then "? ayuda • q salir" (never cut)
//
// Below 80x24 only a "terminal too small (need 80x24, have WxH)" notice is
// drawn and keys other than ctrl+c are ignored, until the window grows.
// Global keys: 1…9 and 0 open screens 1–10, tab / shift+tab cycle, ? shows
// every key, q or ctrl+c end the session; while a screen captures text
// (Screen.Capturing) only ctrl+c and alt+1…9 act globally.
//
// Nothing is told by colour alone: selections and the active screen are in
// reverse video, titles bold, errors and confirmations carry ✗ / ✓. Light or
// dark styles follow ClinicSession.DarkBackground and tea.BackgroundColorMsg.
//
// # Adding a screen
//
//  1. Write a type implementing kit.Screen (tui/kit/screen.go), in
//     tui/clinic or tui/panel. For the usual list → detail → form →
//     confirm flow, make a kit.Stack (tui/kit/stack.go): the root Page
//     is the list; Push a detail page; Push a FormPage (huh form + Save) or
//     NewConfirmPage (yes/no or typed confirmation); esc goes back.
//  2. Set ScreenDef.New for its ID in clinic.Screens (tui/clinic/screens.go)
//     or panel.Screens (tui/panel/screens.go); ScreenDef.May is the store's Actor.May… rule for
//     it (the store enforces it regardless).
//  3. Database work: return env.Do(func(ctx) tea.Msg {...}) from Init or
//     Update; the message comes back to the screen's Update (spinner on
//     meanwhile). Pass env.Actor (clinic) or env.OperatorActor (panel) to
//     the store. Never block in Update.
//  4. Feedback: env.Info("…") for confirmations, env.Error(err) for errors
//     (store errors are translated: ErrorText). Both show in the status
//     line until the next key.
//  5. Keys: return key.Binding values (bubbles/key) from Keys(), most
//     important first, with help text from the catalog; add FormKeys(form)
//     while a form is shown. Say Capturing() == true while a text field
//     has the focus.
//  6. Texts: add a struct for the screen to i18n.Messages and fill it in
//     i18n/es.go and i18n/en.go (the catalog test checks both). Money and
//     dates: env.L.Money, env.L.Date, env.L.DateTime (clinic's currency
//     and time zone).
//  7. Stored text (names, notes, anything a user typed) goes through
//     sanitize.Line / sanitize.Text before it is drawn.
//  8. Forms: NewForm(env.M, groups...) and NewText() (never huh.NewText:
//     ctrl+e would open $EDITOR on the server); start them with
//     env.StartForm(form), pass them every message (UpdateForm) and the
//     body's tea.WindowSizeMsg, check form.State; never form.Run(). huh
//     runs TitleFunc / DescriptionFunc / OptionsFunc in command goroutines:
//     they must not read what Update writes (tui/login's lockedString shows
//     a safe binding).
//  9. Tests: tuitest.Start(t, model, 80, 24), WaitFor the text, send keys,
//     golden.RequireEqual(t, term.Screen()) for golden screens.
package tui
