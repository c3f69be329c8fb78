package e2e

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// screen is the little of a VT100 terminal that drorch's output uses
// (mpb's redraws: CR, LF, cursor up, erase below, erase line), so that a
// test sees what an operator sees: the final screen, after every redraw,
// and whether a line ever wrapped.
type screen struct {
	mu       sync.Mutex
	width    int
	lines    [][]rune
	row, col int
	wrapped  int // lines the terminal had to wrap
	esc      []byte
	pending  []byte // an incomplete UTF-8 sequence
}

func newScreen(width int) *screen { return &screen{width: width, lines: [][]rune{nil}} }

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := append(s.pending, p...)
	s.pending = nil
	for len(b) > 0 {
		if s.esc != nil {
			s.esc = append(s.esc, b[0])
			b = b[1:]
			s.escape()
			continue
		}
		switch b[0] {
		case 0x1b:
			s.esc = []byte{0x1b}
			b = b[1:]
			continue
		case '\r':
			s.col = 0
			b = b[1:]
			continue
		case '\n':
			s.down()
			b = b[1:]
			continue
		case '\b':
			s.col = max(0, s.col-1)
			b = b[1:]
			continue
		}
		if !utf8.FullRune(b) {
			s.pending = append([]byte(nil), b...)
			break
		}
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		if r < 0x20 {
			continue
		}
		if s.col >= s.width {
			s.wrapped++
			s.col = 0
			s.down()
		}
		line := s.lines[s.row]
		for len(line) <= s.col {
			line = append(line, ' ')
		}
		line[s.col] = r
		s.lines[s.row] = line
		s.col++
	}
	return len(p), nil
}

func (s *screen) down() {
	s.row++
	for len(s.lines) <= s.row {
		s.lines = append(s.lines, nil)
	}
}

// escape acts on a complete CSI sequence (ESC [ params final) and drops
// any other escape.
func (s *screen) escape() {
	e := s.esc
	if len(e) == 2 && e[1] != '[' {
		s.esc = nil
		return
	}
	if len(e) < 3 {
		return
	}
	final := e[len(e)-1]
	if final < 0x40 || final > 0x7e {
		return
	}
	s.esc = nil
	n := 1
	if p := strings.TrimLeft(string(e[2:len(e)-1]), "?"); p != "" {
		if v, err := strconv.Atoi(strings.Split(p, ";")[0]); err == nil {
			n = v
		}
	}
	switch final {
	case 'A':
		s.row = max(0, s.row-n)
	case 'B':
		for range n {
			s.down()
		}
	case 'C':
		s.col += n
	case 'D':
		s.col = max(0, s.col-n)
	case 'J': // erase from the cursor to the end of the screen
		if s.col < len(s.lines[s.row]) {
			s.lines[s.row] = s.lines[s.row][:s.col]
		}
		s.lines = s.lines[:s.row+1]
	case 'K': // erase in line
		if n == 2 {
			s.lines[s.row] = nil
		} else if s.col < len(s.lines[s.row]) {
			s.lines[s.row] = s.lines[s.row][:s.col]
		}
	}
}

// text is the screen as lines, trailing spaces and empty last lines cut.
func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.lines))
	for _, l := range s.lines {
		out = append(out, strings.TrimRight(string(l), " "))
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n")
}

// wraps is how many times a line was too long for the screen.
func (s *screen) wraps() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wrapped
}
