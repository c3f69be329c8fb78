package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"drorch/sfn"
)

// Layer decides after a layer, from its Results: a failed resource
// without continueOnError stops the run (its layer's other resources have
// finished: the Map waited for all of them); otherwise the run goes on to
// the next layer, or succeeds after the last.
func (f *Functions) Layer(ctx context.Context, req *sfn.Request) (*sfn.Progress, error) {
	p := req.Progress
	if p == nil || p.Run == nil || p.Layer == nil {
		return nil, sfn.Errorf(sfn.ErrInternal, "layer op without a run and a layer")
	}
	run, layer := p.Run, p.Layer
	if layer.Position < 0 || layer.Position >= len(run.Layers) {
		return nil, sfn.Errorf(sfn.ErrInternal, "layer position %d out of the run's %d layers", layer.Position, len(run.Layers))
	}
	if len(p.Results) != layer.Resources {
		return nil, sfn.Errorf(sfn.ErrInternal, "layer %d returned %d results for %d resources", layer.Number, len(p.Results), layer.Resources)
	}
	next := &sfn.Progress{Run: run, Summary: p.Summary, Status: sfn.StatusRunning}
	var stopped []int
	failed := 0
	for _, r := range p.Results {
		switch r.Status {
		case sfn.StatusDone:
			next.Summary.Done++
		default:
			failed++
			next.Summary.Failed++
			if r.ContinueOnError {
				next.Summary.Continued++
			} else {
				stopped = append(stopped, r.Index)
			}
		}
	}
	f.logLine(map[string]any{"event": "layer.finished", "workflow": run.Workflow, "execution": req.Execution.ID,
		"layer": layer.Number, "resources": layer.Resources, "done": layer.Resources - failed, "failed": failed,
		"stopped": len(stopped) > 0})
	switch {
	case len(stopped) > 0:
		next.Status = sfn.StatusFailed
		cause := fmt.Sprintf("layer %d: %s failed", layer.Number, f.names(ctx, layer, stopped))
		if layer.Position+1 < len(run.Layers) {
			cause += fmt.Sprintf("; the run stopped before layer %d", run.Layers[layer.Position+1].Number)
		}
		next.Error = &sfn.Failure{Error: sfn.ErrResourceFailed, Cause: clip(cause, maxCause)}
	case layer.Position+1 < len(run.Layers):
		next.Layer = layerRef(run, layer.Position+1)
	default:
		next.Status = sfn.StatusSucceeded
	}
	return next, nil
}

// names describes the resources at indexes of a layer for an operator:
// their names, read from the layer's items (indexes alone if they cannot
// be read).
func (f *Functions) names(ctx context.Context, layer *sfn.LayerRef, indexes []int) string {
	sort.Ints(indexes)
	byIndex := map[int]string{}
	if data, err := f.Store.Get(ctx, layer.Bucket, layer.Key); err == nil {
		var items []sfn.Item
		if json.Unmarshal(data, &items) == nil {
			for _, it := range items {
				byIndex[it.Index] = it.Name
			}
		}
	}
	const shown = 20
	parts := make([]string, 0, min(len(indexes), shown))
	for i, ix := range indexes {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more", len(indexes)-shown))
			break
		}
		if name, ok := byIndex[ix]; ok {
			parts = append(parts, fmt.Sprintf("resource %d (%q)", ix, clip(name, 80)))
		} else {
			parts = append(parts, fmt.Sprintf("resource %d", ix))
		}
	}
	return strings.Join(parts, ", ")
}

// Finish releases the run's lock, publishes its end and says how it ended.
// It runs after success and after any failure, prepare's included (then
// there is no run and no lock).
func (f *Functions) Finish(ctx context.Context, req *sfn.Request) (*sfn.Outcome, error) {
	p := req.Progress
	if p == nil {
		p = &sfn.Progress{Status: sfn.StatusFailed}
	}
	out := &sfn.Outcome{Status: sfn.StatusSucceeded, Summary: p.Summary}
	if p.Status != sfn.StatusSucceeded {
		out.Status = sfn.StatusFailed
		out.Error = p.Error
		if out.Error == nil {
			out.Error = &sfn.Failure{Error: sfn.ErrInternal, Cause: fmt.Sprintf("the run ended %q without an error", p.Status)}
		}
		out.Error.Cause = f.causeText(out.Error.Cause)
	}
	workflow := ""
	if p.Run != nil {
		workflow = p.Run.Workflow
		if _, err := f.releaseRun(ctx, req.Execution, p.Run.Bucket, p.Run.Prefix); err != nil {
			return nil, err
		}
	}
	var rto time.Duration
	if start, err := time.Parse(time.RFC3339Nano, req.Execution.StartTime); err == nil {
		rto = f.now().Sub(start)
	}
	text := fmt.Sprintf("drorch %s %s %s after %s: %d of %d resources done, %d failed",
		orDefault(workflow, "run"), executionName(req.Execution), out.Status, rto.Round(time.Second),
		out.Summary.Done, out.Summary.Resources, out.Summary.Failed)
	if out.Summary.Continued > 0 {
		text += fmt.Sprintf(" (%d with continueOnError)", out.Summary.Continued)
	}
	if out.Error != nil {
		text += fmt.Sprintf(". %s: %s", out.Error.Error, clip(out.Error.Cause, 2000))
	}
	msg, _ := json.Marshal(map[string]any{"text": text, "workflow": workflow, "execution": req.Execution.ID,
		"status": out.Status, "summary": out.Summary, "error": out.Error, "rtoSeconds": rto.Seconds()})
	subject := clip(fmt.Sprintf("drorch %s %s", orDefault(workflow, "run"), out.Status), 100)
	if err := f.Notify.Publish(ctx, subject, string(msg)); err != nil {
		// A lost notification must not turn the run's outcome into a
		// failure of its own: the log and the execution still say how it
		// ended.
		f.logLine(map[string]any{"event": "notify.failed", "execution": req.Execution.ID, "error": err.Error()})
	} else {
		out.Notified = true
	}
	fields := map[string]any{"event": "run.finished", "workflow": workflow, "execution": req.Execution.ID,
		"status": out.Status, "summary": out.Summary, "rtoSeconds": rto.Seconds(), "rto": rto.Round(time.Second).String(),
		"notified": out.Notified}
	if out.Error != nil {
		fields["error"] = out.Error.Error
	}
	f.logLine(fields)
	return out, nil
}

// causeText unwraps a Cause written by Step Functions for a Lambda error
// ({"errorMessage", "errorType", ...}) to the message an operator reads.
func (f *Functions) causeText(cause string) string {
	var lambdaErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if strings.HasPrefix(cause, "{") && json.Unmarshal([]byte(cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != "" {
		cause = lambdaErr.ErrorMessage
	}
	return clip(cause, maxCause)
}

func executionName(e sfn.Execution) string {
	if e.Name != "" {
		return e.Name
	}
	return e.ID
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
