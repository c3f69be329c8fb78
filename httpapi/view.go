package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"drorch/engine"
	"drorch/journal"
	"drorch/report"
	"drorch/runner"
)

// runSummary is a run in the list.
type runSummary struct {
	ID        string           `json:"id"`
	Created   time.Time        `json:"created"`
	Status    journal.Status   `json:"status"`
	Command   string           `json:"command"`
	Region    string           `json:"region"`
	Payload   string           `json:"payload"`
	Resources int              `json:"resources"`
	Duration  *report.Duration `json:"duration,omitempty"`
	// Waiting counts the approvals the run waits for.
	Waiting int `json:"waiting"`
}

// runView is one run as the API shows it.
type runView struct {
	ID string `json:"id"`
	// Status is what an operator should read: a running run whose
	// process stopped is interrupted.
	Status journal.Status `json:"status"`
	// DrivenHere says this server drives the run now.
	DrivenHere bool `json:"drivenHere"`
	// Waiting are the approvals the run waits for.
	Waiting []runner.Waiting `json:"waiting"`
	// Resume says how to continue an interrupted run; Ongoing are the AWS
	// operations it started that go on without it.
	Resume  *resumeAction     `json:"resume,omitempty"`
	Ongoing []string          `json:"ongoing,omitempty"`
	State   *journal.RunState `json:"state"`
	Events  []journal.Event   `json:"events,omitempty"`
}

type resumeAction struct {
	API string `json:"api"`
	CLI string `json:"cli"`
}

func (s *Server) view(ctx context.Context, id string) (*runView, error) {
	rec, st, err := runner.Load(ctx, s.cfg.Store, id)
	if err != nil {
		return nil, err
	}
	v := &runView{ID: rec.ID, Status: runner.Status(rec, st, s.now()), DrivenHere: s.runs.driving(rec.ID),
		Waiting: runner.WaitingApprovals(st), State: st}
	if v.Waiting == nil {
		v.Waiting = []runner.Waiting{}
	}
	if v.Status == journal.StatusInterrupted {
		v.Resume = &resumeAction{API: "POST /api/v1/runs/" + rec.ID + "/resume", CLI: "drorch resume " + rec.ID}
		v.Ongoing = engine.Ongoing(st)
	}
	return v, nil
}

// summaryCache keeps the rows of finished runs, which never change, so
// that listing a journal of thousands of runs folds only the unfinished.
type summaryCache struct {
	mu   sync.Mutex
	rows map[string]runSummary
}

func (s *Server) summaries(ctx context.Context, limit int) ([]runSummary, error) {
	recs, err := s.cfg.Store.Runs(ctx)
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(recs) > limit {
		recs = recs[:limit]
	}
	now := s.now()
	out := make([]runSummary, 0, len(recs))
	for _, rec := range recs {
		s.cache.mu.Lock()
		row, ok := s.cache.rows[rec.ID]
		s.cache.mu.Unlock()
		if ok {
			out = append(out, row)
			continue
		}
		st, err := runner.Fold(ctx, s.cfg.Store, rec.ID)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, l := range st.Layers {
			n += len(l.Resources)
		}
		row = runSummary{ID: rec.ID, Created: rec.Created, Status: runner.Status(rec, st, now), Command: st.Spec.Command,
			Region: st.Spec.Region, Payload: st.Spec.PayloadFile, Resources: n, Waiting: len(runner.WaitingApprovals(st))}
		if d := st.Elapsed(); d > 0 {
			row.Duration = report.NewDuration(d)
		}
		if st.Status.Terminal() {
			s.cache.mu.Lock()
			s.cache.rows[rec.ID] = row
			s.cache.mu.Unlock()
		}
		out = append(out, row)
	}
	return out, nil
}

// newRunID is a new run id: 10 random hex digits, as drorch run makes.
func newRunID() string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
