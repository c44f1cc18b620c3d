package kit

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"consultorio/store"
)

// chainLine shows the verification state of an audit log (its hash chain)
// on the audit screens. Verification reads the whole log, so it runs in a
// command of its own and the page of entries does not wait for it.
type ChainLine struct {
	Env      *Env
	gen      int
	checking bool
	st       store.ChainState
	err      error
}

type chainVerified struct {
	gen int
	st  store.ChainState
	err error
}

// verify starts a verification with fn; an older one still running is
// ignored when it ends.
func (c *ChainLine) Verify(fn func(context.Context) (store.ChainState, error)) tea.Cmd {
	c.gen++
	gen := c.gen
	c.checking = true
	return c.Env.Do(func(ctx context.Context) tea.Msg {
		st, err := fn(ctx)
		return chainVerified{gen: gen, st: st, err: err}
	})
}

// update takes the result of verify; false when msg is not one.
func (c *ChainLine) Update(msg tea.Msg) bool {
	m, ok := msg.(chainVerified)
	if !ok {
		return false
	}
	if m.gen == c.gen {
		c.checking, c.st, c.err = false, m.st, m.err
		if m.err != nil {
			c.Env.Error(m.err)
		}
	}
	return true
}

// view is the line cut to w cells, styled: muted when intact, a warning
// when broken or not verified.
func (c *ChainLine) View(w int) string {
	m, st := c.Env.M.AuditChain, c.Env.Styles()
	text, style := "", st.Warn
	switch {
	case c.checking:
		text, style = m.Checking, st.Muted
	case c.err != nil:
		text = m.Failed
	case c.st.OK:
		text, style = fmt.Sprintf(m.OK, c.st.Entries), st.Muted
	case c.st.Break == nil:
		return ""
	case c.st.Break.Reason == store.ChainMissing:
		text = fmt.Sprintf(m.Missing, c.st.Break.Seq)
	case c.st.Break.Reason == store.ChainHead:
		text = fmt.Sprintf(m.Head, c.st.Break.Seq-1)
	default:
		text = fmt.Sprintf(m.Altered, c.st.Break.Seq)
	}
	return style.Render(AdmCut(text, w))
}
