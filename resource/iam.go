package resource

import (
	"fmt"
	"sort"
	"strings"

	"drorch/manifest"
)

// KMSKeyARN is the IAM resource for a KMS key given as a key ARN, an alias
// ARN, a key id or alias/<name> in region: an alias names its key only at
// run time, so it stands for every key of the account there.
func KMSKeyARN(partition, region, account, key string) string {
	switch {
	case strings.HasPrefix(key, "arn:"):
		if a, err := manifest.ParseARN(key); err == nil && a.ResourceType == "alias" {
			return manifest.ARN{Partition: a.Partition, Service: "kms", Region: a.Region, Account: a.Account, ResourceType: "key", ResourceID: "*"}.String()
		}
		return key
	case strings.HasPrefix(key, "alias/"):
		return manifest.ARN{Partition: partition, Service: "kms", Region: region, Account: account, ResourceType: "key", ResourceID: "*"}.String()
	}
	return manifest.ARN{Partition: partition, Service: "kms", Region: region, Account: account, ResourceType: "key", ResourceID: key}.String()
}

// OrAny returns the first non-empty value, or "*": what an IAM policy says
// for an account or region that is not known.
func OrAny(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return "*"
}

// Statement is one statement of an IAM policy document.
type Statement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// Policy is an IAM policy document.
type Policy struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// MergePermissions folds permissions into a policy: one statement per set
// of resources, with every action needed on exactly that set, in a stable
// order.
func MergePermissions(perms []Permission) Policy {
	byRes := map[string]map[string]bool{}
	resOf := map[string][]string{}
	for _, p := range perms {
		rs := append([]string(nil), p.Resources...)
		sort.Strings(rs)
		key := strings.Join(rs, "\n")
		if byRes[key] == nil {
			byRes[key] = map[string]bool{}
			resOf[key] = rs
		}
		for _, act := range p.Actions {
			byRes[key][act] = true
		}
	}
	keys := make([]string, 0, len(byRes))
	for k := range byRes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := Policy{Version: "2012-10-17", Statement: make([]Statement, 0, len(keys))}
	for i, k := range keys {
		acts := make([]string, 0, len(byRes[k]))
		for act := range byRes[k] {
			acts = append(acts, act)
		}
		sort.Strings(acts)
		out.Statement = append(out.Statement, Statement{Sid: fmt.Sprintf("Drorch%d", i+1), Effect: "Allow", Action: acts, Resource: resOf[k]})
	}
	return out
}
