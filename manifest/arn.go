package manifest

import (
	"fmt"
	"regexp"
	"strings"
)

// ARN is an Amazon Resource Name split into its parts:
// arn:<Partition>:<Service>:<Region>:<Account>:<ResourceType><sep><ResourceID>
// where sep is ":" or "/" ("cluster:dbcluster-02", "role/rds-monitoring-role").
type ARN struct {
	Partition    string
	Service      string
	Region       string // "" for global services (IAM)
	Account      string
	ResourceType string // "" when the resource part has no type prefix
	ResourceID   string
}

// ARNError says which part of a would-be ARN is wrong.
type ARNError struct {
	Part   string // "prefix", "partition", "service", "region", "account", "resource type", "resource id"
	Value  string // that part as written
	Reason string // what is wrong with it
}

// Error says which part is wrong and why: `the account "x" is not a 12-digit account id`.
func (e *ARNError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("the %s %s", e.Part, e.Reason)
	}
	return fmt.Sprintf("the %s %s %s", e.Part, quote(e.Value), e.Reason)
}

var (
	partitionRE = regexp.MustCompile("^" + partitionPat + "$")
	accountRE   = regexp.MustCompile("^" + accountPat + "$")
	regionRE    = regexp.MustCompile("^" + regionPat + "$")
)

// ParseARN splits s into its parts. It checks the shape (the "arn:" prefix,
// six colon-separated fields, an aws partition, a service and a resource);
// whether region, account and resource type suit a use is checked by the
// caller (CheckValue does it for the ARN kinds).
func ParseARN(s string) (ARN, error) {
	if !strings.HasPrefix(s, "arn:") {
		return ARN{}, &ARNError{Part: "prefix", Reason: `is missing: an ARN starts with "arn:"`}
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 {
		return ARN{}, &ARNError{Part: "resource", Reason: fmt.Sprintf("is missing: an ARN has six parts, arn:<partition>:<service>:<region>:<account>:<resource>, this one has %d", len(parts))}
	}
	a := ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4]}
	if !partitionRE.MatchString(a.Partition) {
		return ARN{}, &ARNError{Part: "partition", Value: a.Partition, Reason: `is not an AWS partition (aws, aws-cn, aws-us-gov, ...)`}
	}
	if a.Service == "" {
		return ARN{}, &ARNError{Part: "service", Reason: "is empty"}
	}
	res := parts[5]
	if res == "" {
		return ARN{}, &ARNError{Part: "resource", Reason: "is empty"}
	}
	if i := strings.IndexAny(res, ":/"); i >= 0 {
		a.ResourceType, a.ResourceID = res[:i], res[i+1:]
	} else {
		a.ResourceID = res
	}
	return a, nil
}

// String formats the ARN back into its text form. The separator between
// resource type and id is "/" for iam and kms and ":" otherwise, as the ARN
// kinds drorch checks (rds, iam, kms) write them.
func (a ARN) String() string {
	res := a.ResourceID
	if a.ResourceType != "" {
		sep := ":"
		if a.Service == "iam" || a.Service == "kms" {
			sep = "/"
		}
		res = a.ResourceType + sep + a.ResourceID
	}
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + res
}

// arnWant describes the ARN a kind needs.
type arnWant struct {
	service  string
	region   bool     // a region is required (false: must be empty)
	types    []string // accepted resource types
	idCheck  func(string) string
	typeName map[string]string // other resource types of the service, by what they are
}

// checkARN checks s against w and returns the detail of what is wrong ("" if
// nothing).
func checkARN(s string, w arnWant) string {
	a, err := ParseARN(s)
	if err != nil {
		if looksLikeIdentifier(s) {
			return "it is an identifier, not an ARN"
		}
		return err.Error()
	}
	if a.Service != w.service {
		return (&ARNError{Part: "service", Value: a.Service, Reason: fmt.Sprintf("is not %q", w.service)}).Error()
	}
	ok := false
	for _, t := range w.types {
		ok = ok || a.ResourceType == t
	}
	if !ok {
		if other, known := w.typeName[a.ResourceType]; known {
			return fmt.Sprintf("it is %s (resource type %s)", other, quote(a.ResourceType))
		}
		return (&ARNError{Part: "resource type", Value: a.ResourceType, Reason: fmt.Sprintf("is not %s", quoteList(w.types, "or"))}).Error()
	}
	switch {
	case w.region && a.Region == "":
		return (&ARNError{Part: "region", Reason: "is empty"}).Error()
	case w.region && !regionRE.MatchString(a.Region):
		return (&ARNError{Part: "region", Value: a.Region, Reason: "is not an AWS region name"}).Error()
	case !w.region && a.Region != "":
		return (&ARNError{Part: "region", Value: a.Region, Reason: "must be empty for " + w.service}).Error()
	case a.Account == "":
		return (&ARNError{Part: "account", Reason: "is empty"}).Error()
	case !accountRE.MatchString(a.Account):
		return (&ARNError{Part: "account", Value: a.Account, Reason: "is not a 12-digit account id"}).Error()
	}
	if w.idCheck != nil {
		if why := w.idCheck(a.ResourceID); why != "" {
			return (&ARNError{Part: "resource id", Value: a.ResourceID, Reason: why}).Error()
		}
	}
	return ""
}

// rdsTypes names the resource types of RDS ARNs for "it is a ... ARN" details.
func rdsTypes() map[string]string {
	return map[string]string{
		"cluster":          "a DB cluster ARN",
		"db":               "a DB instance ARN",
		"global-cluster":   "a global cluster ARN",
		"snapshot":         "a DB snapshot ARN",
		"cluster-snapshot": "a DB cluster snapshot ARN",
		"subgrp":           "a DB subnet group ARN",
	}
}

// quoteList formats items as `"a", "b" or "c"`.
func quoteList(items []string, conj string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return joinList(q, conj)
}

// joinList formats items as "a, b or c".
func joinList(items []string, conj string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}
