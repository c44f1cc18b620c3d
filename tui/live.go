package tui

import "consultorio/tui/kit"

// ChangedMsg is the live update the server sends to every session of a
// clinic when someone changes its data (kit.ChangedMsg: the screens react
// to it).
type ChangedMsg = kit.ChangedMsg
