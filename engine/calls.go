package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"drorch/cloud"
	"drorch/journal"
)

// call is the one path by which drorch changes AWS. It journals the call's
// intent durably, makes it through the Executor, then journals its outcome
// with AWS's request id. If the intent cannot be written the call is not
// made. The call runs on a context the operator's interruption cannot cut
// short: an in-flight call is allowed to return, so that the journal says
// exactly what happened.
func (e *Engine) call(ctx context.Context, runID string, layer, res int, step string, c cloud.Call) error {
	jc := journal.Call{ID: uuid.NewString(), Service: c.Service, Action: c.Action, Region: c.Region, Args: c.Args}
	if err := e.append(ctx, runID, journal.Event{Kind: journal.CallIntent, Layer: layer, Resource: res,
		Step: step, Message: c.String(), Data: mustJSON(jc)}); err != nil {
		return fmt.Errorf("journal the intent of %s: %w", c.Action, err)
	}
	out, err := e.Executor.Execute(context.WithoutCancel(ctx), c)
	ev := journal.Event{Layer: layer, Resource: res, Step: step, Message: c.String()}
	if err == nil {
		jc.RequestID = out.RequestID
		ev.Kind = journal.CallIssued
	} else {
		// Throttling means AWS refused the call before acting on it; any
		// other failure that could have reached AWS leaves the outcome open.
		jc.Unknown = cloud.Retryable(err) && !cloud.IsKind(err, cloud.KindThrottled)
		ev.Kind, ev.Error = journal.CallFailed, err.Error()
		var ae *cloud.APIError
		if errors.As(err, &ae) {
			jc.RequestID = ae.RequestID
		}
	}
	ev.Data = mustJSON(jc)
	if jerr := e.append(ctx, runID, ev); jerr != nil {
		return errors.Join(err, fmt.Errorf("journal the outcome of %s: %w", c.Action, jerr))
	}
	return err
}
