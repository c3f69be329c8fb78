package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"drorch/cloud"
	"drorch/engine"
	"drorch/engine/machine"
	"drorch/resource"
	"drorch/sfn"
)

// The step op's journal is the execution history. Each Task visit writes
// its input (the item and the memory the previous decision returned) and
// its output (the next decision, with the memory to keep), and nothing is
// done in AWS that the history did not record first:
//
//   - A Call decision of the step machine is never acted on in the
//     invocation that makes it. That invocation only returns the intent:
//     the memory says which calls are pending (their descriptions, secrets
//     hidden, and a keyed MAC of the calls exactly as they will be made),
//     with a wait of 0. The history now holds the intent.
//   - The next invocation reads AWS afresh and asks the step machine
//     again. If it decides the same calls (the MAC matches), it makes
//     them and returns their outcome, with AWS's request ids, in the
//     memory. If AWS state changed meanwhile, the machine's new decision
//     is followed instead and the intended calls are never made.
//   - If that invocation dies between making a call and returning (a
//     Lambda timeout, a crash, a lost answer), Step Functions invokes it
//     again with the same input, and $$.State.RetryCount (Request.Retries)
//     is above 0. The pending calls' outcome is then unknown (a throttled
//     attempt never ran, but nothing tells it from one that died): the
//     step machine's Unknown path decides from AWS state, as a resume of
//     `drorch run` does. The operation shows: wait for it, the step ends
//     done (never "skipped"). It left no trace: the same calls, whose
//     intent the history holds, are made.
type stepMemory struct {
	// Machine is the step machine's memory, as of the last decision acted
	// on (an intent leaves it as it was before the Call decision).
	Machine machine.Memory `json:"machine"`
	// Budget counts the child execution's history events (sfn.Budget).
	Budget sfn.Budget `json:"budget"`
	// Start is when the resource's first step ran: the pacing's elapsed.
	Start time.Time `json:"start"`
	// Intent is the calls decided and not made yet.
	Intent *intent `json:"intent,omitempty"`
	// Calls are the outcomes of the last keptCalls calls made.
	Calls []callRecord `json:"calls,omitempty"`
}

// intent is a Call decision recorded before it is acted on.
type intent struct {
	Step string `json:"step"`
	// Calls describe the calls as plans and journals show them, secret
	// values hidden.
	Calls []string `json:"calls"`
	// MAC is a keyed MAC (the function's fingerprint key) of the calls
	// exactly as they will be made, secrets included: the invocation that
	// makes them checks that they are these.
	MAC string `json:"mac"`
}

// callRecord is one call's outcome, as the local engine's journal records
// call.issued and call.failed.
type callRecord struct {
	Step string `json:"step"`
	Call string `json:"call"`
	// Status is issued (AWS accepted it), failed (AWS refused it), or
	// unknown (it may or may not have reached AWS).
	Status    string `json:"status"`
	RequestID string `json:"requestId,omitempty"`
	Error     string `json:"error,omitempty"`
}

// keptCalls bounds Calls, so that the memory stays small whatever the
// retries: the history holds every outcome anyway.
const keptCalls = 16

// lockStop is how long before the run's lease ends the step stops making
// calls: a call in flight must be answered before another run may take
// the lease (another machine takes a lapsed lease only lock.SkewMargin
// after its end).
const lockStop = 5 * time.Minute

// Step is one decision of the step machine for one resource (the package
// comment of sfn, "The function's operations"), in the invocation's own
// words: it reads the resource's state afresh (one batched read per kind
// and region of its Watch keys: one invocation serves one resource, so
// nothing is batched across resources as `drorch run` does, and sfn's
// pacing bounds how often each resource reads), asks the step machine,
// follows the decisions that need no wait (a step skipped or done), and
// returns the first that does: wait, make calls (an intent, see
// stepMemory), done or failed. The resource's end is logged with its RTO.
func (f *Functions) Step(ctx context.Context, req *sfn.Request) (*sfn.Decision, error) {
	it := req.Item
	if it == nil || it.Type == "" {
		return nil, sfn.Errorf(sfn.ErrInternal, "step without an item")
	}
	now := f.now()
	var mem stepMemory
	first := len(req.Memory) == 0 || string(req.Memory) == "null"
	if first {
		mem = stepMemory{Machine: machine.Begin(now, time.Duration(it.TimeoutSeconds)*time.Second), Budget: sfn.NewBudget(), Start: now}
		mem.Machine.Started = true
	} else if err := json.Unmarshal(req.Memory, &mem); err != nil {
		return nil, sfn.Errorf(sfn.ErrInternal, "decode the step's memory: %v", err)
	}
	mem.Budget.Charge(req.Retries)
	t := &turn{f: f, it: it, mem: &mem, retries: req.Retries, now: now, ms: f.Machine.WithDefaults()}
	if first {
		t.note("resource started")
	}
	return t.run(ctx), nil
}

// turn is one step invocation.
type turn struct {
	f       *Functions
	it      *sfn.Item
	mem     *stepMemory
	retries int
	now     time.Time
	ms      machine.Settings
	secrets []string
	notes   []string
}

func (t *turn) run(ctx context.Context) *sfn.Decision {
	b, err := t.f.bindItem(ctx, t.it)
	var tr *transientError
	switch {
	case errors.As(err, &tr):
		t.note("%v", tr)
		if d := t.mem.Machine.Deadline; !d.IsZero() && !t.now.Before(d) {
			return t.end(sfn.StatusFailed, machine.DeadlineError{Timeout: t.mem.Machine.Timeout}.Error())
		}
		return t.wait(t.ms.RetryRead)
	case err != nil:
		return t.end(sfn.StatusFailed, err.Error())
	}
	t.secrets = b.secrets
	v := &resource.View{Read: engine.ReadOnce(ctx, t.f.Batch, t.f.Reader, b.res.Watch()), Identity: t.f.Identity,
		Now: t.f.now, RunID: RunID(t.it.Execution)}
	m := t.mem.Machine
	pending := t.mem.Intent
	t.mem.Intent = nil
	if pending != nil && t.retries > 0 {
		// An earlier attempt of this invocation may have made the calls
		// before it died: never make them blindly again.
		m.Unknown, m.LastError = true, "the function stopped after it was asked to make the calls"
		for _, c := range pending.Calls {
			t.record(callRecord{Step: pending.Step, Call: c, Status: "unknown"})
		}
		t.note("%s: an earlier attempt may have made %s before it stopped; AWS state decides", pending.Step, strings.Join(pending.Calls, ", "))
	}
	for range len(b.res.Steps()) + 2 {
		d, next := machine.Next(ctx, b.res, m, v, t.now, t.ms)
		if pending != nil && d.Action != machine.Call {
			if t.retries == 0 {
				t.note("%s: the calls intended before were not made: AWS state changed since", pending.Step)
			}
			pending = nil
		}
		t.observe(d)
		switch d.Action {
		case machine.AlreadyDone:
			t.mem.Machine = next
			return t.end(sfn.StatusDone, "nothing to do: "+d.Reason)
		case machine.Done:
			t.mem.Machine = next
			if len(d.Skipped) > 0 {
				t.note("steps %s skipped", strings.Join(d.Skipped, ", "))
			}
			return t.end(sfn.StatusDone, d.Reason)
		case machine.Skip:
			t.note("%s skipped: %s", d.Step, d.Reason)
		case machine.StepDone:
			t.note("%s done: %s", d.Step, d.Reason)
		case machine.Failed:
			t.mem.Machine = next
			return t.end(sfn.StatusFailed, d.Err.Error())
		case machine.Wait:
			t.mem.Machine = next
			return t.wait(d.Wait)
		case machine.Call:
			mac, err := t.mac(ctx, d.Calls)
			if err != nil {
				// The calls cannot be journaled now: make none, look again.
				t.mem.Machine = m
				t.note("%s: cannot record the calls' intent yet: %v", d.Step, err)
				return t.wait(t.ms.RetryRead)
			}
			if pending != nil && pending.Step == d.Step && pending.MAC == mac {
				return t.call(ctx, d, next)
			}
			if pending != nil && t.retries == 0 {
				t.note("%s: the calls intended before were not made: AWS state changed since", pending.Step)
			}
			pending = nil
			t.mem.Machine = m // nothing is done until the intent is in the history
			t.mem.Intent = &intent{Step: d.Step, Calls: t.describe(d.Calls), MAC: mac}
			t.note("%s: will call %s", d.Step, strings.Join(t.mem.Intent.Calls, ", "))
			return t.decide(sfn.StatusWaiting, 0)
		}
		m = next
	}
	return t.end(sfn.StatusFailed, "the step machine did not settle on a decision: a fault of drorch, please report it")
}

// call makes the calls of a Call decision whose intent the history holds,
// records their outcome and waits for AWS to show the operation.
func (t *turn) call(ctx context.Context, d machine.Decision, next machine.Memory) *sfn.Decision {
	if !t.mem.Budget.CanWait() {
		return t.decide(sfn.StatusWaiting, 0) // ends the resource, the calls not made
	}
	if !t.it.LockUntil.IsZero() && !t.f.now().Before(t.it.LockUntil.Add(-lockStop)) {
		t.mem.Machine = next
		return t.end(sfn.StatusFailed, fmt.Sprintf("%s: the run's lock on its databases ends at %s, and another run may take them then: the calls were not made",
			d.Step, t.it.LockUntil.UTC().Format(time.RFC3339)))
	}
	var o machine.Outcome
	for _, c := range d.Calls {
		res, err := t.f.Executor.Execute(context.WithoutCancel(ctx), c)
		rec := callRecord{Step: d.Step, Call: t.hide(c.String()), Status: "issued", RequestID: res.RequestID}
		if err != nil {
			rec.Status, rec.Error = "failed", t.hide(err.Error())
			// As the local engine judges it (engine.call): throttling is
			// a refusal; any other failure that could have reached AWS
			// leaves the outcome open.
			if cloud.Retryable(err) && !cloud.IsKind(err, cloud.KindThrottled) {
				rec.Status = "unknown"
			}
			var ae *cloud.APIError
			if errors.As(err, &ae) {
				rec.RequestID = ae.RequestID
			}
		}
		t.record(rec)
		if rec.RequestID != "" {
			t.note("%s: %s %s (request %s)", d.Step, rec.Call, rec.Status, rec.RequestID)
		} else {
			t.note("%s: %s %s", d.Step, rec.Call, rec.Status)
		}
		if err != nil {
			o.Err = err
			break
		}
		o.Accepted++
	}
	after, m := machine.Record(next, d.Step, o, t.f.now(), t.ms)
	t.mem.Machine = m
	t.observe(after)
	if after.Action == machine.Failed {
		return t.end(sfn.StatusFailed, after.Err.Error())
	}
	return t.wait(after.Wait)
}

// wait returns a waiting decision, the wait lengthened to the pace of
// Step Functions (sfn.WaitSeconds), or ends the resource when the child
// execution's history has no room for another turn.
func (t *turn) wait(d time.Duration) *sfn.Decision {
	return t.decide(sfn.StatusWaiting, sfn.WaitSeconds(d, t.now.Sub(t.mem.Start), t.it.MinWait))
}

func (t *turn) decide(status string, wait int) *sfn.Decision {
	if !t.mem.Budget.CanWait() {
		pending := ""
		if t.mem.Intent != nil || status == sfn.StatusWaiting && wait == 0 {
			pending = "; the calls it was about to make were not made"
		}
		return t.end(sfn.StatusFailed, fmt.Sprintf("the resource's child execution has written about %d of the %d history events Step Functions allows: drorch stops it before the execution would fail%s; its operation's state is left as it is, and running the payload again continues it",
			t.mem.Budget.Spent, sfn.HistoryQuota, pending))
	}
	return &sfn.Decision{Status: status, Wait: wait, Memory: t.memory(), Message: t.message()}
}

// end ends the resource, and logs its end with its RTO.
func (t *turn) end(status, why string) *sfn.Decision {
	t.mem.Intent = nil
	t.note("%s", why)
	msg := t.message()
	t.f.LogResourceEnd(t.it, status, msg)
	return &sfn.Decision{Status: status, Memory: t.memory(), Message: msg}
}

// observe notes what a decision began and saw.
func (t *turn) observe(d machine.Decision) {
	if d.BeginStep {
		t.note("%s begun", d.Step)
	}
	switch {
	case d.Observe != "" && d.Step != "":
		t.note("%s: %s", d.Step, d.Observe)
	case d.Observe != "":
		t.note("%s", d.Observe)
	}
}

func (t *turn) note(format string, a ...any) { t.notes = append(t.notes, fmt.Sprintf(format, a...)) }

func (t *turn) record(r callRecord) {
	t.mem.Calls = append(t.mem.Calls, r)
	if n := len(t.mem.Calls); n > keptCalls {
		t.mem.Calls = t.mem.Calls[n-keptCalls:]
	}
}

// hide removes the resource's secret values from s.
func (t *turn) hide(s string) string { return engine.Redact(t.secrets, s) }

func (t *turn) describe(calls []cloud.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = t.hide(c.String())
	}
	return out
}

// message is what the invocation did, for the execution history.
func (t *turn) message() string { return clip(t.hide(strings.Join(t.notes, "; ")), 4000) }

// memory encodes the memory to keep, with the secrets of the step
// machine's words hidden: it is written to the execution history.
func (t *turn) memory() json.RawMessage {
	m := *t.mem
	m.Machine.Observed, m.Machine.LastError = t.hide(m.Machine.Observed), t.hide(m.Machine.LastError)
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("ops: marshal the step memory: %v", err)) // plain data only
	}
	return b
}

// mac is the keyed MAC of calls as they will be made, bound to the
// execution and the resource.
func (t *turn) mac(ctx context.Context, calls []cloud.Call) (string, error) {
	b, err := json.Marshal(calls)
	if err != nil {
		return "", err
	}
	msg := fmt.Appendf(nil, "drorch-calls-v1\x00%s\x00%d\x00%d\x00", t.it.Execution.ID, t.it.Layer, t.it.Index)
	return t.f.Fingerprints.Fingerprint(ctx, append(msg, b...))
}

// RunID is the run id an execution's resources see (resource.View.RunID):
// what names the things a run creates, such as the final snapshots of
// replaced instances. It is the execution's name in the letters, digits
// and hyphens those names allow.
func RunID(ex sfn.Execution) string {
	var b strings.Builder
	for _, r := range strings.ToLower(ex.Name) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	if s == "" {
		s = "sfn"
	}
	return s
}
