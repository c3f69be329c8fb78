package resourcetest

import (
	"context"
	"fmt"

	"drorch/resource"
)

// maxPolls bounds the checks Drive makes per step: enough for any handler
// whose operations finish at the next Settle, few enough that a step that
// never converges fails the test quickly.
const maxPolls = 8

// Result is what Drive saw.
type Result struct {
	// AlreadyDone is true when Goal was Done and no step ran.
	AlreadyDone bool
	// Trace has one line per verdict and call: "switchover: ready: ...",
	// "switchover: do".
	Trace []string
	// Skipped names the steps whose first check was Done.
	Skipped []string
}

// Drive runs r on env the way the engine does: Goal first (Done: nothing to
// do); then each step in order: Check; Done skips it; Blocked or Failed end
// the run; InProgress waits; Ready calls Do and then polls Check until Done,
// where Ready after InProgress means the operation rolled back. Waiting is
// c.Settle(): every operation under way finishes at once. Read errors end
// the run (the engine would retry them; tests inject them on purpose).
func Drive(ctx context.Context, r resource.Resource, env *resource.Env, c *Cloud) (Result, error) {
	var res Result
	goal, err := r.Goal(ctx, env)
	if err != nil {
		return res, fmt.Errorf("goal: %w", err)
	}
	res.Trace = append(res.Trace, "goal: "+goal.State.String()+": "+goal.Reason)
	if goal.State == resource.Done {
		res.AlreadyDone = true
		return res, nil
	}
	for _, s := range r.Steps() {
		issued, seenProgress := false, false
		for poll := 0; ; poll++ {
			if poll == maxPolls {
				return res, fmt.Errorf("step %s did not converge after %d checks", s.Name(), maxPolls)
			}
			v, err := s.Check(ctx, env)
			if err != nil {
				return res, fmt.Errorf("step %s: check: %w", s.Name(), err)
			}
			res.Trace = append(res.Trace, s.Name()+": "+v.State.String()+": "+v.Reason)
			switch v.State {
			case resource.Done:
				if !issued && poll == 0 {
					res.Skipped = append(res.Skipped, s.Name())
				}
			case resource.Blocked, resource.Failed:
				return res, fmt.Errorf("step %s %s: %s", s.Name(), v.State, v.Reason)
			case resource.InProgress:
				seenProgress = true
				c.Settle()
				continue
			case resource.Ready:
				if issued && seenProgress {
					return res, fmt.Errorf("step %s rolled back: %s", s.Name(), v.Reason)
				}
				if issued {
					c.Settle()
					continue
				}
				res.Trace = append(res.Trace, s.Name()+": do")
				if err := s.Do(ctx, env); err != nil {
					return res, fmt.Errorf("step %s: do: %w", s.Name(), err)
				}
				issued = true
				continue
			}
			break
		}
	}
	goal, err = r.Goal(ctx, env)
	if err != nil {
		return res, fmt.Errorf("goal after the steps: %w", err)
	}
	if goal.State != resource.Done {
		return res, fmt.Errorf("every step is done but the goal is not: %s", goal.Reason)
	}
	return res, nil
}
