package ops

import (
	"context"
	"encoding/json"
	"errors"

	"drorch/lock"
	"drorch/sfn"
)

// Release gives back the lock of an execution whose finish failed (the
// state machine's catch-all path), or that ended without its finish
// (stopped by hand or timed out: deploy/template.yaml's EventBridge rule
// invokes it then). It finds the run record where prepare wrote it, from
// the execution's ARN alone; no record means prepare never took a lock.
// Releasing what was already released is not an error.
func (f *Functions) Release(ctx context.Context, req *sfn.Request) (*sfn.Released, error) {
	if req.Execution.ID == "" {
		return nil, sfn.Errorf(sfn.ErrInternal, "release without the execution's id")
	}
	n, err := f.releaseRun(ctx, req.Execution, f.Settings.Bucket, runPrefix(req.Execution.ID))
	if err != nil {
		return nil, err
	}
	f.logLine(map[string]any{"event": "lock.released", "execution": req.Execution.ID, "records": n})
	return &sfn.Released{Records: n}, nil
}

// releaseRun releases the lease recorded in the run record under prefix,
// and says how many lock records it gave back.
func (f *Functions) releaseRun(ctx context.Context, ex sfn.Execution, bucket, prefix string) (int, error) {
	data, err := f.Store.Get(ctx, bucket, sfn.RunKey(prefix))
	if errors.Is(err, ErrNoObject) {
		return 0, nil
	}
	if err != nil {
		return 0, awsError("read the run record", err)
	}
	var rec sfn.RunRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return 0, sfn.Errorf(sfn.ErrInternal, "decode the run record: %v", err)
	}
	if rec.Execution.ID != ex.ID {
		return 0, sfn.Errorf(sfn.ErrInternal, "the run record belongs to %s, not this execution", rec.Execution.ID)
	}
	if len(rec.Lock.Records) == 0 {
		return 0, nil
	}
	lease, err := f.Locks.Restore(rec.Lock)
	if err != nil {
		return 0, sfn.Errorf(sfn.ErrInternal, "the run record's lock: %v", err)
	}
	err = lease.Release(ctx)
	var lost *lock.LostError
	switch {
	case errors.As(err, &lost):
		// Released already (a retried finish, a release after finish), or
		// lapsed and taken by another run: nothing of this run's is left.
		f.logLine(map[string]any{"event": "lock.not-held", "execution": ex.ID, "records": len(lost.Lost)})
		return len(rec.Lock.Records) - len(lost.Lost), nil
	case err != nil:
		return 0, awsError("release the lock", err)
	}
	return len(rec.Lock.Records), nil
}
