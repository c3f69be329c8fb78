package report

import (
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// FormatDuration writes a duration the way an operator reads it: 850ms,
// 42.0s, 1m02s, 2h05m (as drorch show does).
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// Clean makes text from a payload or from AWS safe to show anywhere: every
// control character (C0, DEL, C1: ESC, NUL, newlines), every character
// that reorders text (bidirectional overrides and isolates) or breaks
// lines (U+2028, U+2029), and every byte that is not UTF-8 is written as a
// visible escape (\x1b, \n, \u202e), so that a resource name can neither
// drive a terminal, forge a line of a report, hide text nor break an XML
// document (XML 1.0 forbids most control characters). Backslashes are kept
// as they are, so text that already looks escaped reads the same.
func Clean(s string) string {
	if !needsClean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			fmt.Fprintf(&b, `\x%02x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func needsClean(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r < 0x20 || r >= 0x7f && r < 0xa0 || hidden(r) {
			return true
		}
		i += size
	}
	return false
}

// hidden are characters that change how the text around them is shown:
// bidirectional marks, embeddings, overrides and isolates (Trojan Source),
// the line and paragraph separators, and the byte-order mark.
func hidden(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029, r == 0xfeff:
		return true
	}
	return false
}

// cleaned returns a deep copy of r with every string Clean: the text
// formats render from it, so that no field can be forgotten. The JSON
// format keeps the raw strings (JSON escapes control characters itself).
func (r *Report) cleaned() *Report {
	c := *r
	cleanValue(reflect.ValueOf(&c).Elem())
	return &c
}

func cleanValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(Clean(v.String()))
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(Time{}) {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				cleanValue(v.Field(i))
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			cp := reflect.New(v.Elem().Type())
			cp.Elem().Set(v.Elem())
			cleanValue(cp.Elem())
			v.Set(cp)
		}
	case reflect.Slice:
		if !v.IsNil() {
			cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(cp, v)
			for i := range cp.Len() {
				cleanValue(cp.Index(i))
			}
			v.Set(cp)
		}
	case reflect.Map:
		if !v.IsNil() {
			cp := reflect.MakeMapWithSize(v.Type(), v.Len())
			for _, k := range v.MapKeys() {
				nk := reflect.New(k.Type()).Elem()
				nk.Set(k)
				cleanValue(nk)
				nv := reflect.New(v.Type().Elem()).Elem()
				nv.Set(v.MapIndex(k))
				cleanValue(nv)
				cp.SetMapIndex(nk, nv)
			}
			v.Set(cp)
		}
	}
}

// mdEscaper escapes the characters that mean something in CommonMark and
// GitHub-flavoured Markdown inline text (emphasis, code, links, HTML,
// tables, headings, entities), so that a name is shown, never obeyed.
var mdEscaper = func() *strings.Replacer {
	var pairs []string
	for _, c := range "\\`*_[]<>|~&#!" {
		pairs = append(pairs, string(c), `\`+string(c))
	}
	return strings.NewReplacer(pairs...)
}()

// md is cleaned text as Markdown inline text.
func md(s string) string { return mdEscaper.Replace(Clean(s)) }

// mdCode is cleaned text as a Markdown code span, safe in a table cell:
// the fence is longer than any run of backticks inside, and pipes are
// escaped (GitHub reads \| in a cell as a pipe, even in code).
func mdCode(s string) string {
	s = strings.ReplaceAll(Clean(s), "|", `\|`)
	if s == "" {
		return ""
	}
	run, longest := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || longest > 0 {
		s = " " + s + " "
	}
	return fence + s + fence
}

// truncate shortens s to n runes, ending with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
