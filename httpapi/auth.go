package httpapi

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MinTokenLength is the shortest token accepted: a guessable token on a
// server that can fail databases over is worse than none.
const MinTokenLength = 16

// Tokens are the bearer tokens the server accepts, each with the name that
// journals who used it (an approval's approver, a run's starter).
type Tokens struct {
	sums  [][sha256.Size]byte
	names []string
}

// ParseTokens reads tokens one a line, "NAME:TOKEN" or a bare TOKEN (named
// "api"); blank lines and lines starting with # are skipped. A token is at
// least MinTokenLength characters of letters, digits, -, _, ., ~, + or /.
func ParseTokens(r io.Reader) (*Tokens, error) {
	t := &Tokens{}
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		name, tok, found := strings.Cut(s, ":")
		if !found {
			name, tok = "api", s
		}
		if err := t.Add(strings.TrimSpace(name), strings.TrimSpace(tok)); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read tokens: %w", err)
	}
	if len(t.sums) == 0 {
		return nil, errors.New("no token in it: write one token a line, as NAME:TOKEN or TOKEN")
	}
	return t, nil
}

// Add accepts token under name.
func (t *Tokens) Add(name, token string) error {
	if len(token) < MinTokenLength {
		return fmt.Errorf("token of %q is %d characters: use at least %d (drorch serve makes one when given none)", name, len(token), MinTokenLength)
	}
	for _, r := range token {
		if !tokenChar(r) {
			return fmt.Errorf("token of %q has a character other than letters, digits and -_.~+/", name)
		}
	}
	if name == "" || len(name) > 64 || strings.ContainsFunc(name, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return errors.New("a token's name is 1 to 64 printable ASCII characters without spaces")
	}
	t.sums = append(t.sums, sha256.Sum256([]byte(token)))
	t.names = append(t.names, name)
	return nil
}

func tokenChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.~+/", r)
}

// NewToken returns a random token (32 hex digits).
func NewToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// name returns the name of token, comparing in constant time against
// every token (hashes first, so that length leaks nothing either).
func (t *Tokens) name(token string) (string, bool) {
	sum := sha256.Sum256([]byte(token))
	found := -1
	for i := range t.sums {
		if subtle.ConstantTimeCompare(sum[:], t.sums[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return "", false
	}
	return t.names[found], true
}

type callerKey struct{}

// caller is the name of the token the request came with.
func caller(ctx context.Context) string {
	if s, ok := ctx.Value(callerKey{}).(string); ok {
		return s
	}
	return "api"
}

// queryCredential names the query parameters a token is refused in: a
// token in a URL ends up in logs, history and Referer headers.
var queryCredential = []string{"token", "access_token", "auth", "authorization", "bearer", "api_key", "apikey", "key"}

// authenticate lets a request through with a valid bearer token in its
// Authorization header, and refuses one that carries a token in its query
// string even if the header is right.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for _, k := range queryCredential {
			for qk := range q {
				if strings.EqualFold(qk, k) {
					s.error(w, r, http.StatusBadRequest, "a token in the query string is refused (it would be kept in logs and browser history): send it as Authorization: Bearer TOKEN")
					return
				}
			}
		}
		h := r.Header.Get("Authorization")
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="drorch"`)
			s.error(w, r, http.StatusUnauthorized, "authentication required: send Authorization: Bearer TOKEN (the token drorch serve printed, or the one in --token-file / DRORCH_API_TOKEN)")
			return
		}
		name, ok := s.cfg.Tokens.name(strings.TrimSpace(tok))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="drorch", error="invalid_token"`)
			s.error(w, r, http.StatusUnauthorized, "the token is not valid")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, name)))
	})
}
