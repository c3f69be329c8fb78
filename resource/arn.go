package resource

import (
	"fmt"
	"strings"
)

// ARN is a parsed Amazon Resource Name:
// arn:<partition>:<service>:<region>:<account>:<resource>.
type ARN struct {
	Partition string
	Service   string
	Region    string // "" for global resources (IAM, global clusters)
	Account   string
	Resource  string // e.g. cluster:dbcluster-02, db:rds-mysql-instance, role/x
}

// ParseARN splits s into its parts. It checks the shape only; whether the
// service and resource type fit the use is the caller's business.
func ParseARN(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return ARN{}, fmt.Errorf("parse arn %q: want arn:<partition>:<service>:<region>:<account>:<resource>", s)
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, nil
}

// ID returns the resource id after its type prefix ("cluster:x" and
// "key/x" give "x").
func (a ARN) ID() string {
	if i := strings.IndexAny(a.Resource, ":/"); i >= 0 {
		return a.Resource[i+1:]
	}
	return a.Resource
}

// String formats the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}
