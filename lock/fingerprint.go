package lock

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Keys are never stored in clear: a key may hold an identifier read from
// an SSM SecureString. Each is stored as its HMAC-SHA256 under a random
// secret kept in the table itself (one record, created once with a
// conditional write), so that every machine using the table computes the
// same record ids and a copy of the lock items alone says nothing of the
// keys.

// secretLen is the fingerprint secret's length in bytes.
const secretLen = 32

// recordID is the record id of a key under the table's secret.
func recordID(secret []byte, key string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(key))
	return "lock#" + hex.EncodeToString(m.Sum(nil))
}

// loadSecret returns the table's fingerprint secret, creating it the first
// time any machine uses the table.
func (l *Locker) loadSecret(ctx context.Context) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.secret != nil {
		return l.secret, nil
	}
	for range 2 {
		rec, ok, err := l.table.Get(ctx, SecretID)
		if err != nil {
			return nil, fmt.Errorf("read the fingerprint secret: %w", err)
		}
		if ok {
			if len(rec.Secret) != secretLen {
				return nil, fmt.Errorf("the lock table's fingerprint secret (%s) is %d bytes, not %d: the table is damaged or not a drorch lock table",
					SecretID, len(rec.Secret), secretLen)
			}
			l.secret = rec.Secret
			return l.secret, nil
		}
		secret := make([]byte, secretLen)
		if _, err := io.ReadFull(l.set.Rand, secret); err != nil {
			return nil, fmt.Errorf("make the fingerprint secret: %w", err)
		}
		err = l.apply(ctx, []Write{{Op: Create, Record: Record{ID: SecretID, Secret: secret}}})
		var ce *ConditionError
		switch {
		case err == nil:
			l.secret = secret
			return l.secret, nil
		case errors.As(err, &ce):
			// Another machine created it first: read theirs.
		default:
			return nil, fmt.Errorf("create the fingerprint secret: %w", err)
		}
	}
	return nil, errors.New("the fingerprint secret was created and then vanished: is something deleting lock table items?")
}
