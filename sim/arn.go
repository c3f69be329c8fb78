package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// arnParts is a parsed ARN: arn:partition:service:region:account:resource,
// with resource split into kind and id at the first ':' or '/'.
type arnParts struct {
	service, region, account, kind, id string
}

// parseARN splits an ARN; ok is false for anything that is not one.
func parseARN(s string) (arnParts, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
		return arnParts{}, false
	}
	a := arnParts{service: parts[2], region: parts[3], account: parts[4]}
	res := parts[5]
	i := strings.IndexAny(res, ":/")
	if i < 0 {
		a.id = res
	} else {
		a.kind, a.id = res[:i], res[i+1:]
	}
	return a, true
}

// arnOf builds an RDS ARN (kind cluster or db) in region.
func arnOf(account, region, kind, id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", region, account, kind, id)
}

// resourceID derives a stable AWS-looking resource id (cluster-XXXX,
// db-XXXX) from what identifies the resource, so that runs are repeatable.
func resourceID(prefix string, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return prefix + strings.ToUpper(hex.EncodeToString(sum[:13]))
}

// stableUUID derives a UUID-shaped string from parts (deterministic).
func stableUUID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// shortRegion turns us-west-2 into usw2 for endpoint host names.
func shortRegion(region string) string {
	var b strings.Builder
	for i, p := range strings.Split(region, "-") {
		if i == 0 || len(p) == 0 {
			b.WriteString(p)
			continue
		}
		if p[0] >= '0' && p[0] <= '9' {
			b.WriteString(p)
		} else {
			b.WriteByte(p[0])
		}
	}
	return b.String()
}
