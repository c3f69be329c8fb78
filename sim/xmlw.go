package sim

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"time"
)

// xw writes the XML of a Query response. Optional members are written with
// the *Opt methods, which omit empty values: the SDKs treat an empty
// element as a present (and for numbers, unparsable) value.
type xw struct{ b *bytes.Buffer }

func (w xw) open(name string) {
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

func (w xw) close(name string) {
	w.b.WriteString("</")
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

// str writes <name>v</name>, escaped, even when v is empty.
func (w xw) str(name, v string) {
	w.open(name)
	if plain(v) {
		w.b.WriteString(v)
	} else {
		_ = xml.EscapeText(w.b, []byte(v)) // writes to a bytes.Buffer never fail
	}
	w.close(name)
}

// plain reports whether v is printable ASCII that XML takes as is: most
// values (ids, ARNs, statuses) are, and skip the escaper's copy.
func plain(v string) bool {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c < 0x20 || c >= 0x7f, c == '&', c == '<', c == '>', c == '"', c == '\'':
			return false
		}
	}
	return true
}

// strOpt writes <name>v</name> unless v is empty.
func (w xw) strOpt(name, v string) {
	if v != "" {
		w.str(name, v)
	}
}

func (w xw) boolean(name string, v bool) { w.str(name, strconv.FormatBool(v)) }

func (w xw) integer(name string, v int) { w.str(name, strconv.Itoa(v)) }

// timestamp writes an ISO 8601 UTC time with milliseconds, as AWS does.
func (w xw) timestamp(name string, t time.Time) {
	if !t.IsZero() {
		w.str(name, t.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
}

// list writes <name><item>v</item>...</name> (an empty list as <name/>).
func (w xw) list(name, item string, vs []string) {
	w.open(name)
	for _, v := range vs {
		w.str(item, v)
	}
	w.close(name)
}
