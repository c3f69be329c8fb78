package sim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// av is a DynamoDB AttributeValue. Kind is the wire name of its type (S, N,
// B, BOOL, NULL, M, L, SS, NS, BS). N and NS hold canonical decimal
// strings; B and BS hold raw bytes.
type av struct {
	Kind string
	S    string // S, N, B
	Bool bool   // BOOL
	M    map[string]*av
	L    []*av
	Set  []string // SS, NS, BS
}

// item is a DynamoDB item: attribute name -> value.
type item map[string]*av

// ddbErr is DynamoDB's ValidationException.
func ddbValidation(format string, args ...any) *apiError {
	return newErr("ValidationException", 400, format, args...)
}

// UnmarshalJSON reads the wire form, {"S":"x"}, {"M":{...}}, ..., and
// checks it as DynamoDB does.
func (v *av) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw == nil {
		return ddbValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	}
	switch len(raw) {
	case 0:
		return ddbValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	case 1:
	default:
		return ddbValidation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	}
	for kind, body := range raw {
		v.Kind = kind
		switch kind {
		case "S":
			return json.Unmarshal(body, &v.S)
		case "N":
			var s string
			if err := json.Unmarshal(body, &s); err != nil {
				return err
			}
			n, aerr := canonicalNumber(s)
			if aerr != nil {
				return aerr
			}
			v.S = n
		case "B":
			var b []byte
			if err := json.Unmarshal(body, &b); err != nil {
				return err
			}
			v.S = string(b)
		case "BOOL":
			return json.Unmarshal(body, &v.Bool)
		case "NULL":
			if err := json.Unmarshal(body, &v.Bool); err != nil {
				return err
			}
			if !v.Bool {
				return ddbValidation("One or more parameter values were invalid: Null attribute value types must have the value of true")
			}
		case "M":
			if err := json.Unmarshal(body, &v.M); err != nil {
				return err
			}
			if v.M == nil {
				v.M = map[string]*av{}
			}
			for _, e := range v.M {
				if e == nil {
					return ddbValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
				}
			}
		case "L":
			if err := json.Unmarshal(body, &v.L); err != nil {
				return err
			}
			if v.L == nil {
				v.L = []*av{}
			}
			for _, e := range v.L {
				if e == nil {
					return ddbValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
				}
			}
		case "SS", "NS", "BS":
			return v.readSet(kind, body)
		default:
			return ddbValidation("Supplied AttributeValue has an unknown datatype %s, must contain exactly one of the supported datatypes", truncate(kind, 16))
		}
	}
	return nil
}

func (v *av) readSet(kind string, body []byte) error {
	names := map[string]string{"SS": "string", "NS": "number", "BS": "binary"}
	if kind == "BS" {
		var bs [][]byte
		if err := json.Unmarshal(body, &bs); err != nil {
			return err
		}
		for _, b := range bs {
			v.Set = append(v.Set, string(b))
		}
	} else if err := json.Unmarshal(body, &v.Set); err != nil {
		return err
	}
	if len(v.Set) == 0 {
		return ddbValidation("One or more parameter values were invalid: An %s set  may not be empty", names[kind])
	}
	seen := map[string]bool{}
	for i, s := range v.Set {
		if kind == "NS" {
			n, aerr := canonicalNumber(s)
			if aerr != nil {
				return aerr
			}
			v.Set[i] = n
		}
		if seen[v.Set[i]] {
			return ddbValidation("One or more parameter values were invalid: Input collection %s contains duplicates.", truncate("["+strings.Join(v.Set, ", ")+"]", 200))
		}
		seen[v.Set[i]] = true
	}
	return nil
}

// MarshalJSON writes the wire form.
func (v *av) MarshalJSON() ([]byte, error) {
	var body any
	switch v.Kind {
	case "S", "N":
		body = v.S
	case "B":
		body = []byte(v.S)
	case "BOOL", "NULL":
		body = v.Bool
	case "M":
		body = v.M
	case "L":
		body = v.L
	case "SS", "NS":
		body = v.Set
	case "BS":
		bs := make([]string, len(v.Set))
		for i, s := range v.Set {
			bs[i] = base64.StdEncoding.EncodeToString([]byte(s))
		}
		body = bs
	default:
		return nil, fmt.Errorf("attribute value of kind %q", v.Kind)
	}
	return json.Marshal(map[string]any{v.Kind: body})
}

// canonicalNumber checks a DynamoDB number (up to 38 significant digits,
// magnitude between 1E-130 and 1E+126) and returns it in the form DynamoDB
// gives it back: no leading or trailing zeros, no exponent.
func canonicalNumber(s string) (string, *apiError) {
	bad := ddbValidation("A value provided cannot be converted into a number")
	t := strings.TrimSpace(s)
	if t == "" || len(t) > 200 || strings.ContainsAny(t, "_xXpP/") || strings.EqualFold(t, "inf") || strings.Contains(strings.ToLower(t), "nan") {
		return "", bad
	}
	r, ok := new(big.Rat).SetString(t)
	if !ok {
		return "", bad
	}
	if r.Sign() == 0 {
		return "0", nil
	}
	if significantDigits(t) > 38 {
		return "", ddbValidation("Attempting to store more than 38 significant digits in a Number")
	}
	abs := new(big.Rat).Abs(r)
	if abs.Cmp(numberMax) >= 0 {
		return "", ddbValidation("Number overflow. Attempting to store a number with magnitude larger than supported range")
	}
	if abs.Cmp(numberMin) < 0 {
		return "", ddbValidation("Number underflow. Attempting to store a number with magnitude smaller than supported range")
	}
	return formatRat(r), nil
}

// numberMax and numberMin bound a number's magnitude (1E+126, 1E-130).
var numberMax, numberMin = ratPow10(126), ratPow10(-130)

// significantDigits counts the digits of a decimal's mantissa between its
// first and last non-zero digit.
func significantDigits(t string) int {
	first, last, n := -1, -1, 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == 'e' || c == 'E' {
			break
		}
		if c < '0' || c > '9' {
			continue
		}
		if c != '0' {
			if first < 0 {
				first = n
			}
			last = n
		}
		n++
	}
	if first < 0 {
		return 0
	}
	return last - first + 1
}

func ratPow10(n int) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(n, -n))), nil)
	if n < 0 {
		return new(big.Rat).SetFrac(big.NewInt(1), p)
	}
	return new(big.Rat).SetInt(p)
}

// formatRat writes a number whose denominator divides a power of ten as an
// exact decimal without trailing zeros.
func formatRat(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	ten := big.NewInt(10)
	d := new(big.Int).Set(r.Denom())
	digits := 0
	for d.Cmp(big.NewInt(1)) != 0 && digits < 400 {
		g := new(big.Int).GCD(nil, nil, d, ten)
		if g.Cmp(big.NewInt(1)) == 0 {
			break // not a decimal: cannot happen for parsed input
		}
		d.Quo(d, g)
		digits++
	}
	s := r.FloatString(digits)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func numRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return new(big.Rat)
	}
	return r
}

// clone deep-copies a value.
func (v *av) clone() *av {
	c := *v
	if v.M != nil {
		c.M = make(map[string]*av, len(v.M))
		for k, e := range v.M {
			c.M[k] = e.clone()
		}
	}
	if v.L != nil {
		c.L = make([]*av, len(v.L))
		for i, e := range v.L {
			c.L[i] = e.clone()
		}
	}
	c.Set = slices.Clone(v.Set)
	return &c
}

func (it item) clone() item {
	if it == nil {
		return nil
	}
	c := make(item, len(it))
	for k, v := range it {
		c[k] = v.clone()
	}
	return c
}

// equal compares two values as DynamoDB's = does: same type, same value
// (sets regardless of order).
func (v *av) equal(o *av) bool {
	if v.Kind != o.Kind {
		return false
	}
	switch v.Kind {
	case "S", "B":
		return v.S == o.S
	case "N":
		return numRat(v.S).Cmp(numRat(o.S)) == 0
	case "BOOL", "NULL":
		return v.Bool == o.Bool
	case "M":
		if len(v.M) != len(o.M) {
			return false
		}
		for k, e := range v.M {
			if oe, ok := o.M[k]; !ok || !e.equal(oe) {
				return false
			}
		}
		return true
	case "L":
		return slices.EqualFunc(v.L, o.L, (*av).equal)
	default: // sets
		if len(v.Set) != len(o.Set) {
			return false
		}
		for _, s := range v.Set {
			if !o.setHas(s) {
				return false
			}
		}
		return true
	}
}

func (v *av) setHas(s string) bool {
	if v.Kind == "NS" {
		for _, e := range v.Set {
			if numRat(e).Cmp(numRat(s)) == 0 {
				return true
			}
		}
		return false
	}
	return slices.Contains(v.Set, s)
}

// compare orders two scalars of one type (S and B bytewise, N
// numerically); ok is false when they cannot be ordered.
func (v *av) compare(o *av) (c int, ok bool) {
	if v.Kind != o.Kind {
		return 0, false
	}
	switch v.Kind {
	case "S", "B":
		return strings.Compare(v.S, o.S), true
	case "N":
		return numRat(v.S).Cmp(numRat(o.S)), true
	}
	return 0, false
}

// size is DynamoDB's approximate size of a value in bytes, for the 400 KB
// item limit and the 1 MB page: names and values in UTF-8 bytes, numbers
// about one byte per two digits, one byte per nested element.
func (v *av) size() int {
	switch v.Kind {
	case "S", "B":
		return len(v.S)
	case "N":
		return (len(v.S)+1)/2 + 1
	case "BOOL", "NULL":
		return 1
	case "M":
		n := 3
		for k, e := range v.M {
			n += len(k) + e.size() + 1
		}
		return n
	case "L":
		n := 3
		for _, e := range v.L {
			n += e.size() + 1
		}
		return n
	default:
		n := 0
		for _, s := range v.Set {
			n += len(s)
		}
		return n
	}
}

func (it item) size() int {
	n := 0
	for k, v := range it {
		n += len(k) + v.size()
	}
	return n
}

// maxItemSize is DynamoDB's item size limit (400 KB).
const maxItemSize = 400 * 1024

// typeName is the operand type name DynamoDB's messages use.
func (v *av) typeName() string {
	switch v.Kind {
	case "S":
		return "STRING"
	case "N":
		return "NUMBER"
	case "B":
		return "BINARY"
	case "BOOL":
		return "BOOLEAN"
	case "NULL":
		return "NULL"
	case "M":
		return "MAP"
	case "L":
		return "LIST"
	case "SS":
		return "SET<STRING>"
	case "NS":
		return "SET<NUMBER>"
	default:
		return "SET<BINARY>"
	}
}

// keyBytes is an encoding of a key value that sorts as DynamoDB sorts it
// within its type (used for stable ordering of items).
func (v *av) keyString() string {
	var b bytes.Buffer
	b.WriteString(v.Kind)
	b.WriteByte(0)
	b.WriteString(v.S)
	return b.String()
}
