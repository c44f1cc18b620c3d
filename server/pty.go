package server

import (
	"charm.land/ssh"
)

// Largest terminal a session gets. A client states its window size in the
// pty-req and window-change requests (uint32 each, before any login), and
// the TUI allocates a cell buffer of width×height per frame: a 3000×3000
// request from an unregistered key once made the server allocate until it
// died. 500×200 cells is 100 000 cells (about 52 standard 80×24 screens),
// more than any real terminal shows — a 4K screen at a small 8 px font is
// 480 columns by 135 rows — and the TUI has no layout that uses more. A
// larger terminal still works: the TUI draws in its top-left 500×200.
const (
	MaxPtyWidth  = 500
	MaxPtyHeight = 200
)

// clampWindow bounds a window size the client asked for. Pixel sizes are
// never used, so they are dropped rather than trusted.
func clampWindow(w ssh.Window) ssh.Window {
	return ssh.Window{Width: min(max(w.Width, 0), MaxPtyWidth), Height: min(max(w.Height, 0), MaxPtyHeight)}
}

// ptyClampMiddleware hands the rest of the chain a session whose terminal
// size, initial and on every resize, is clamped: nothing after it (the TUI,
// its renderer) ever sees the size the client asked for. It must run first.
func ptyClampMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		pty, winch, ok := sess.Pty()
		if !ok {
			next(sess)
			return
		}
		pty.Window = clampWindow(pty.Window)
		out := make(chan ssh.Window, 1)
		done := sess.Context().Done()
		go func() {
			// The library closes winch when the session's requests end.
			defer close(out)
			for w := range winch {
				select {
				case out <- clampWindow(w):
				case <-done:
					return
				}
			}
		}()
		next(&clampedSession{Session: sess, pty: pty, winch: out})
	}
}

// clampedSession is a session whose Pty reports the clamped size.
type clampedSession struct {
	ssh.Session
	pty   ssh.Pty
	winch <-chan ssh.Window
}

func (c *clampedSession) Pty() (ssh.Pty, <-chan ssh.Window, bool) {
	return c.pty, c.winch, true
}
