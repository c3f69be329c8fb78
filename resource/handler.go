package resource

import (
	"context"
	"fmt"
	"strings"

	"drorch/cloud"
)

// Helpers shared by the resource type packages.

// FuncStep is a Step made of functions, so that a type declares its steps
// as a list of values next to each other instead of one Go type per step.
type FuncStep struct {
	StepName  string
	CheckFunc func(ctx context.Context, v *View) (Verdict, error)
	CallsFunc func(ctx context.Context, v *View) ([]cloud.Call, error)
}

// Name returns StepName.
func (s FuncStep) Name() string { return s.StepName }

// Check calls CheckFunc.
func (s FuncStep) Check(ctx context.Context, v *View) (Verdict, error) { return s.CheckFunc(ctx, v) }

// Calls calls CallsFunc.
func (s FuncStep) Calls(ctx context.Context, v *View) ([]cloud.Call, error) {
	return s.CallsFunc(ctx, v)
}

// Fixed returns a CallsFunc for a step whose calls do not depend on state.
func Fixed(calls ...cloud.Call) func(context.Context, *View) ([]cloud.Call, error) {
	return func(context.Context, *View) ([]cloud.Call, error) { return calls, nil }
}

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

// SnapshotID names the final snapshot a run takes of the resource id before
// deleting it: drorch-<run>-<id>, so that the report and the operator can
// tell which run took it. In a plan, where no run exists yet, runID is ""
// and the name shows "<run>" in its place. It is a valid RDS snapshot
// identifier: letters, digits and single hyphens, at most 255 characters.
func SnapshotID(runID, id string) string {
	if runID == "" {
		runID = "<run>"
	}
	s := "drorch-" + runID + "-" + id
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	s = strings.TrimRight(s, "-")
	if len(s) > 255 {
		s = strings.TrimRight(s[:255], "-")
	}
	return s
}
