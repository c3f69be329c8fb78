package resource

import (
	"context"
	"fmt"
	"strings"

	"drorch/manifest"
)

// Helpers shared by the resource type packages.

// FuncStep is a Step made of functions, so that a type declares its steps
// as a list of values next to each other instead of one Go type per step.
type FuncStep struct {
	StepName  string
	StepCalls []Call
	CheckFunc func(ctx context.Context, env *Env) (Verdict, error)
	DoFunc    func(ctx context.Context, env *Env) error
}

// Name returns StepName.
func (s FuncStep) Name() string { return s.StepName }

// Calls returns StepCalls.
func (s FuncStep) Calls() []Call { return s.StepCalls }

// Check calls CheckFunc.
func (s FuncStep) Check(ctx context.Context, env *Env) (Verdict, error) { return s.CheckFunc(ctx, env) }

// Do calls DoFunc.
func (s FuncStep) Do(ctx context.Context, env *Env) error { return s.DoFunc(ctx, env) }

// Verdictf builds a verdict whose reason is formatted like fmt.Sprintf.
func Verdictf(state State, format string, a ...any) Verdict {
	return Verdict{State: state, Reason: fmt.Sprintf(format, a...)}
}

// GoalOf turns the verdict of a type's last step into a Goal verdict: Done
// when the end state holds, Ready (there is work to do) otherwise, with the
// same reason. Types whose goal is their last step's end state use it.
func GoalOf(v Verdict) Verdict {
	if v.State != Done {
		v.State = Ready
	}
	return v
}

// Stuck reports whether an RDS cluster or instance status is one that
// waiting will not turn into `available` (deleting, failed, stopped,
// incompatible-*, ...): a check seeing it blocks instead of waiting out the
// deadline.
func Stuck(status string) bool {
	switch status {
	case "deleting", "failed", "stopped", "stopping", "storage-full", "inaccessible-encryption-credentials",
		"inaccessible-encryption-credentials-recoverable", "restore-error":
		return true
	}
	return strings.HasPrefix(status, "incompatible-")
}

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
