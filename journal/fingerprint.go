package journal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
)

// KeySize is the length in bytes of a fingerprint key.
const KeySize = 32

// NewKey returns a new random fingerprint key.
func NewKey() []byte {
	key := make([]byte, KeySize)
	rand.Read(key) //nolint:errcheck // crypto/rand.Read never fails: it crashes the program instead
	return key
}

// Fingerprinter computes keyed fingerprints (HMAC-SHA256, hex) of values
// that a store must compare but never keep: lock keys, which may name a
// database by an identifier read from an SSM SecureString, and secret
// parameter values, whose fingerprint lets a resume check that a secret has
// not changed. Without the key a fingerprint tells nothing about its value,
// even a short or guessable one; so the key never lives in the journal
// itself.
type Fingerprinter struct {
	key []byte
}

// NewFingerprinter returns a Fingerprinter with key, which must be KeySize
// bytes.
func NewFingerprinter(key []byte) (Fingerprinter, error) {
	if len(key) != KeySize {
		return Fingerprinter{}, fmt.Errorf("fingerprint key: %d bytes, want %d", len(key), KeySize)
	}
	return Fingerprinter{key: slices.Clone(key)}, nil
}

// Fingerprint returns the fingerprint of value: 64 hex digits.
func (f Fingerprinter) Fingerprint(value string) string {
	mac := hmac.New(sha256.New, f.key)
	mac.Write([]byte(value))
	return hex.EncodeToString(mac.Sum(nil))
}

// Lock is one lock a Create asks for: the caller's key, which the store
// only holds in memory for as long as the call, and its fingerprint, which
// is all the store keeps.
type Lock struct {
	Key string
	FP  string
}

// Locks fingerprints the lock keys of a Create: empty keys are dropped,
// duplicates removed, and the result sorted by key.
func (f Fingerprinter) Locks(keys []string) []Lock {
	ks := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != "" {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	ks = slices.Compact(ks)
	out := make([]Lock, len(ks))
	for i, k := range ks {
		out[i] = Lock{Key: k, FP: f.Fingerprint(k)}
	}
	return out
}

// CheckLocks is the lock test of a Create, shared by the stores so that
// both refuse alike: holder returns the unfinished run holding a
// fingerprint ("" if none). It returns a *BusyError naming the first holder
// found and the caller's own keys it holds, holder's error, or nil when
// every lock is free.
func CheckLocks(locks []Lock, holder func(fp string) (string, error)) error {
	var busy *BusyError
	for _, l := range locks {
		run, err := holder(l.FP)
		if err != nil {
			return err
		}
		switch {
		case run == "":
		case busy == nil:
			busy = &BusyError{RunID: run, Keys: []string{l.Key}}
		case busy.RunID == run:
			busy.Keys = append(busy.Keys, l.Key)
		}
	}
	if busy != nil {
		return busy
	}
	return nil
}
