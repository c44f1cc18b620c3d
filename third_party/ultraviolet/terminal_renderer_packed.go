package uv

import "sync"

// Consultorio patch (PATCHES.md): between frames a [TerminalRenderer] may
// keep its model of the screen packed instead of as a cell buffer. A cell is
// 112 bytes (a string, a style of three colour interfaces, a hyperlink, a
// width), so an 80×24 model is ~210 KiB held for as long as the program
// lives, though it is only read while a frame is rendered. Packed, the same
// screen is a few KiB: runs of cells of one style, hyperlink, width and
// content length, their contents one string. [TerminalRenderer.Release]
// packs the model and gives its buffer to a pool shared by every renderer
// of the process; the next [TerminalRenderer.Render] unpacks it into a
// buffer from the pool. Unpacking restores every cell exactly (the same
// contents, the same style and link values), so the diff is the same as
// with the model kept.

// modelPool holds the cell buffers of released models.
var modelPool sync.Pool

// packedScreen is a released model: w×h cells, row after row.
type packedScreen struct {
	w, h   int
	styles []packedStyle
	runs   []packedRun
	text   string // the cells' contents, in order
}

// packedStyle is a style and hyperlink some run uses.
type packedStyle struct {
	style Style
	link  Link
}

// packedRun is n cells of styles[style] with width width, each content clen
// bytes of text, following the previous run's.
type packedRun struct {
	n     uint16
	style uint16
	width uint8
	clen  uint8
}

// Release packs the renderer's model of the screen and gives its cell
// buffer back to a shared pool; the next [TerminalRenderer.Render] restores
// it. Call it when the renderer is likely to stay idle (after a flush). A
// model that cannot be packed (a cell wider than 255 columns or with more
// than 255 bytes, more than 65,535 styles in one screen) is kept as it is.
func (s *TerminalRenderer) Release() {
	if s.curbuf == nil {
		return
	}
	p, ok := packScreen(s.curbuf)
	if !ok {
		return
	}
	modelPool.Put(s.curbuf)
	s.curbuf, s.packed = nil, p
}

// restore unpacks a released model.
func (s *TerminalRenderer) restore() {
	if s.packed == nil {
		return
	}
	s.curbuf = s.packed.unpack()
	s.packed = nil
}

// modelSize is the size of the model, packed or not.
func (s *TerminalRenderer) modelSize() (w, h int) {
	switch {
	case s.curbuf != nil:
		return s.curbuf.Width(), s.curbuf.Height()
	case s.packed != nil:
		return s.packed.w, s.packed.h
	}
	return 0, 0
}

func packScreen(b *RenderBuffer) (*packedScreen, bool) {
	p := &packedScreen{w: b.Width(), h: b.Height()}
	size := 0
	for _, line := range b.Lines {
		if len(line) != p.w {
			return nil, false
		}
		for i := range line {
			size += len(line[i].Content)
		}
	}
	text := make([]byte, 0, size)
	var run packedRun
	last := -1
	for _, line := range b.Lines {
		for i := range line {
			c := &line[i]
			if len(c.Content) > 255 || c.Width < 0 || c.Width > 255 {
				return nil, false
			}
			st := last
			if st < 0 || !sameStyle(&p.styles[st], c) {
				st = p.styleIndex(c)
				if st > 0xffff {
					return nil, false
				}
			}
			if run.n > 0 && (int(run.style) != st || int(run.width) != c.Width ||
				int(run.clen) != len(c.Content) || run.n == 0xffff) {
				p.runs = append(p.runs, run)
				run.n = 0
			}
			if run.n == 0 {
				run = packedRun{style: uint16(st), width: uint8(c.Width), clen: uint8(len(c.Content))}
			}
			run.n++
			last = st
			text = append(text, c.Content...)
		}
	}
	if run.n > 0 {
		p.runs = append(p.runs, run)
	}
	p.text = string(text)
	return p, true
}

// styleIndex finds or adds c's style and link.
func (p *packedScreen) styleIndex(c *Cell) int {
	for i := range p.styles {
		if sameStyle(&p.styles[i], c) {
			return i
		}
	}
	p.styles = append(p.styles, packedStyle{style: c.Style, link: c.Link})
	return len(p.styles) - 1
}

// sameStyle reports whether c has exactly this style and link: the same
// colour values, not only colours that look the same, so an unpacked cell
// is the cell that was packed.
func sameStyle(ps *packedStyle, c *Cell) (same bool) {
	defer func() {
		if recover() != nil { // a colour type that cannot be compared
			same = false
		}
	}()
	return ps.style == c.Style && ps.link == c.Link
}

func (p *packedScreen) unpack() *RenderBuffer {
	b, _ := modelPool.Get().(*RenderBuffer)
	if b == nil {
		b = NewRenderBuffer(p.w, p.h)
	} else {
		b.Resize(p.w, p.h)
	}
	if cap(b.Touched) < p.h {
		b.Touched = make([]*LineData, p.h)
	} else {
		b.Touched = b.Touched[:p.h]
		clear(b.Touched)
	}
	x, y, off := 0, 0, 0
	for _, r := range p.runs {
		ps := &p.styles[r.style]
		for range r.n {
			b.Lines[y][x] = Cell{
				Content: p.text[off : off+int(r.clen)],
				Style:   ps.style,
				Link:    ps.link,
				Width:   int(r.width),
			}
			off += int(r.clen)
			if x++; x == p.w {
				x, y = 0, y+1
			}
		}
	}
	return b
}
