package notify

import (
	"fmt"
	"time"

	"drorch/journal"
	"drorch/resource/approval"
	"drorch/runner"
)

// message is the notification ev calls for, if any, read with its run's
// state st (ev already folded in).
func (n *Notifier) message(ev journal.Event, st *journal.RunState) (Message, bool) {
	m := Message{Run: st.ID, Region: st.Spec.Region, Time: ev.Time, Status: string(st.Status)}
	if n.s.Link != nil {
		m.URL = n.s.Link(st.ID)
	}
	run := fmt.Sprintf("drorch run %s", st.ID)
	switch ev.Kind {
	case journal.RunStarted, journal.RunResumed:
		m.Event, m.Status = RunStarted, string(journal.StatusRunning)
		verb := "started"
		if ev.Kind == journal.RunResumed {
			m.Event, verb = RunResumed, "resumed"
		}
		m.Text = fmt.Sprintf("%s %s in %s: %s%s.", run, verb, st.Spec.Region, size(st), payload(st))
		// A run resumed at an approval asks for it again: the message
		// that asked first may be long gone from view.
		for _, w := range runner.WaitingApprovals(st) {
			m.Text += fmt.Sprintf(" It waits for approval of %q (`drorch approve %s --resource %s`).", w.Name, st.ID, w.Target())
		}
	case journal.StepStarted:
		r, ok := st.Resource(ev.Layer, ev.Resource)
		if !ok || r.Type != approval.TypeName || ev.Step != approval.StepName {
			return m, false
		}
		w := waitingFor(st, ev)
		m.Event, m.Resource = ApprovalNeeded, r.Name
		m.Text = fmt.Sprintf("%s waits for approval of %q (layer %d)", run, r.Name, w.LayerNumber)
		if w.Message != "" {
			m.Text += ": " + w.Message
		}
		m.Text += fmt.Sprintf(". Approve with `drorch approve %s --resource %s`, or in the web UI", st.ID, w.Target())
		if !w.Deadline.IsZero() {
			m.Text += fmt.Sprintf("; without a decision the run fails at %s", w.Deadline.UTC().Format(time.RFC3339))
		}
		m.Text += "."
	case journal.RunFinished:
		m.Error = st.Error
		switch st.Status {
		case journal.StatusSucceeded, journal.StatusAlreadyDone:
			m.Event = RunSucceeded
			m.Text = fmt.Sprintf("%s %s in %s after %s: %s.", run, st.Status, st.Spec.Region, st.Elapsed().Round(time.Second), size(st))
		case journal.StatusCancelled:
			m.Event = RunCancelled
			m.Text = fmt.Sprintf("%s was cancelled after %s", run, st.Elapsed().Round(time.Second))
			if st.CancelledBy != "" {
				m.Text += " by " + st.CancelledBy
			}
			m.Text += "."
		default:
			m.Event = RunFailed
			m.Text = fmt.Sprintf("%s FAILED in %s after %s: %s", run, st.Spec.Region, st.Elapsed().Round(time.Second), st.Error)
		}
	case journal.RunInterrupted:
		m.Event, m.Status, m.Error = RunInterrupted, string(journal.StatusInterrupted), ev.Message
		m.Text = fmt.Sprintf("%s was interrupted (%s); AWS operations it started go on. Resume it with `drorch resume %s`.", run, ev.Message, st.ID)
	default:
		return m, false
	}
	if m.URL != "" {
		m.Text += " " + m.URL
	}
	m.Text = Chat(m.Text)
	return m, true
}

// waitingFor describes the approval ev starts.
func waitingFor(st *journal.RunState, ev journal.Event) runner.Waiting {
	for _, w := range runner.WaitingApprovals(st) {
		if w.Layer == ev.Layer && w.Resource == ev.Resource {
			return w
		}
	}
	r, _ := st.Resource(ev.Layer, ev.Resource)
	return runner.Waiting{Layer: ev.Layer, Resource: ev.Resource, LayerNumber: st.Layers[ev.Layer].Number, Index: r.Index, Name: r.Name}
}

func size(st *journal.RunState) string {
	n := 0
	for _, l := range st.Layers {
		n += len(l.Resources)
	}
	return fmt.Sprintf("%d resources in %d layers", n, len(st.Layers))
}

func payload(st *journal.RunState) string {
	if st.Spec.PayloadFile == "" {
		return ""
	}
	return fmt.Sprintf(" (payload %s)", st.Spec.PayloadFile)
}
