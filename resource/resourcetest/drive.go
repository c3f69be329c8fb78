package resourcetest

import (
	"context"
	"fmt"
	"time"

	"drorch/engine/machine"
	"drorch/resource"
)

// maxLooks bounds the looks Drive takes per step: enough for any handler
// whose operations finish at the next Settle, few enough that a step that
// never converges fails the test quickly.
const maxLooks = 8

// Result is what Drive saw.
type Result struct {
	// AlreadyDone is true when Goal was Done and no step ran.
	AlreadyDone bool
	// Trace has one line per decision: "switchover: call: ...".
	Trace []string
	// Skipped names the steps whose goal held before anything was done.
	Skipped []string
}

// Drive runs r on c through the step machine, as the engine does, making
// the calls it decides on c. Waiting is c.Settle(): every operation under
// way finishes at once. The start grace is infinite (nothing takes real
// time here) and read errors end the run (the engine would retry them;
// tests inject them on purpose). After the last step the goal must hold.
func Drive(ctx context.Context, r resource.Resource, c *Cloud) (Result, error) {
	var res Result
	s := machine.Settings{StartGrace: 100 * 365 * 24 * time.Hour, WriteAttempts: 1}
	v := c.View()
	m := machine.Begin(c.Now(), 0)
	looks := 0
	for {
		d, next := machine.Next(ctx, r, m, v, c.Now(), s)
		res.Trace = append(res.Trace, trace(d))
		m = next
		switch d.Action {
		case machine.AlreadyDone:
			res.AlreadyDone = true
			return res, nil
		case machine.Skip:
			res.Skipped = append(res.Skipped, d.Step)
			looks = 0
		case machine.StepDone:
			looks = 0
		case machine.Failed:
			return res, d.Err
		case machine.Wait:
			if d.Err != nil {
				return res, fmt.Errorf("step %s: read: %w", d.Step, d.Err)
			}
			if looks++; looks == maxLooks {
				return res, fmt.Errorf("step %s did not converge after %d looks (last seen: %s)", d.Step, maxLooks, m.Observed)
			}
			c.Settle()
		case machine.Call:
			o := machine.Outcome{}
			for _, call := range d.Calls {
				if _, err := c.Execute(ctx, call); err != nil {
					o.Err = err
					break
				}
				o.Accepted++
			}
			if o.Err != nil {
				return res, fmt.Errorf("step %s: %s: %w", d.Step, d.Calls[o.Accepted].Action, o.Err)
			}
			_, m = machine.Record(m, d.Step, o, c.Now(), s)
		case machine.Done:
			goal, err := r.Goal(ctx, v)
			if err != nil {
				return res, fmt.Errorf("goal after the steps: %w", err)
			}
			if goal.State != resource.Done {
				return res, fmt.Errorf("every step is done but the goal is not: %s", goal.Reason)
			}
			return res, nil
		}
	}
}

func trace(d machine.Decision) string {
	s := fmt.Sprintf("%s: %s", d.Step, d.Action)
	switch {
	case d.Err != nil:
		s += ": " + d.Err.Error()
	case d.Reason != "":
		s += ": " + d.Reason
	case d.Observe != "":
		s += ": " + d.Observe
	}
	for _, c := range d.Calls {
		s += "\n  " + c.String()
	}
	return s
}

// Do makes, on c, the calls step s declares on c's current state, in order,
// until one fails: what the engine does when the step is ready.
func Do(ctx context.Context, s resource.Step, c *Cloud) error {
	calls, err := s.Calls(ctx, c.View())
	if err != nil {
		return err
	}
	for _, call := range calls {
		if _, err := c.Execute(ctx, call); err != nil {
			return err
		}
	}
	return nil
}
