package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"drorch/engine"
	"drorch/journal"
	"drorch/lock"
	"drorch/lock/dynamolock"
	"drorch/resource/all"
	"drorch/runner"
)

// lockTableEnv names the shared lock table when --lock-table is not given.
const lockTableEnv = "DRORCH_LOCK_TABLE"

// lockTableHelp is the --lock-table flag's help.
const lockTableHelp = "DynamoDB lock table shared with other operators and drorch's Step Functions executions, " +
	"in the region the run acts from (default $" + lockTableEnv + "; none: the journal's own lock only)"

// lockTable is the table of --lock-table, or of DRORCH_LOCK_TABLE.
func (a *app) lockTable(flag string) string {
	if flag != "" {
		return flag
	}
	return a.getenv(lockTableEnv)
}

// sharedLock is the lock of table in region for runs of store, taken by
// owner; nil when no table is named. It reaches DynamoDB as every other
// client of drorch does (--profile, --endpoint-url, the credential chain).
func (a *app) sharedLock(ctx context.Context, table, region string, store journal.Store, owner string) (*runner.SharedLock, error) {
	if table == "" {
		return nil, nil
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if a.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(a.profile))
	}
	if a.creds != nil {
		opts = append(opts, config.WithCredentialsProvider(a.creds))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("set up the lock table's client: %w", err)
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if a.endpointURL != "" {
			o.BaseEndpoint = aws.String(a.endpointURL)
		}
	})
	// Leases are judged on the wall clock by every machine sharing the
	// table, whatever clock the engine runs on.
	return &runner.SharedLock{Locker: lock.New(dynamolock.New(db, table), lock.Settings{}), Journal: store, Owner: owner}, nil
}

// takenLock is the shared lock a run took before its plan was shown.
type takenLock struct {
	sl   *runner.SharedLock
	held interface{ Release(context.Context) error }
}

// takeSharedLock takes the shared lock of table (flag or environment) for
// runID on p's lock keys, in region. A refusal is the run's failure (exit
// 1), naming the holder; the lock keys it names are shown with p's secrets
// hidden.
func (a *app) takeSharedLock(ctx context.Context, flag, region string, store journal.Store, e *engine.Engine, runID string, p *engine.Plan) (*takenLock, error) {
	sl, err := a.sharedLock(ctx, a.lockTable(flag), region, store, e.Process.Owner)
	if err != nil || sl == nil {
		return nil, err
	}
	held, err := sl.Take(ctx, runID, p.Locks())
	if err != nil {
		return nil, runFailed(fmt.Errorf("take the shared lock (table %s in %s): %s; nothing was changed",
			a.lockTable(flag), region, engine.Redact(p.Secrets, err.Error())))
	}
	return &takenLock{sl: sl, held: held}, nil
}

// options has the engine keep the lock for the run.
func (t *takenLock) options() []engine.RunOption {
	if t == nil {
		return nil
	}
	return []engine.RunOption{engine.WithLocker(t.sl)}
}

// release gives back a lock whose run never started.
func (t *takenLock) release(ctx context.Context) {
	if t != nil {
		_ = t.held.Release(ctx)
	}
}

// freeSharedLock releases the shared lock an interrupted run left, once
// `drorch cancel` has ended it: the run's lock keys are its resources' (the
// journaled run bound again, secrets read again), taken back as the run
// and released. It says what it did, or why the lock is left to lapse.
func (a *app) freeSharedLock(ctx context.Context, flag string, store journal.Store, st *journal.RunState) {
	table := a.lockTable(flag)
	if table == "" {
		return
	}
	var secrets []string
	err := func() error {
		a.region = st.Spec.Region
		cl, err := a.connect(ctx)
		if err != nil {
			return err
		}
		p, err := runner.Rebind(ctx, cl, all.Registry(), st.Spec)
		if err != nil {
			return err
		}
		secrets = p.Secrets
		sl, err := a.sharedLock(ctx, table, st.Spec.Region, store, fmt.Sprintf("cancel:%d", os.Getpid()))
		if err != nil {
			return err
		}
		return sl.Free(ctx, st.ID, p.Locks())
	}()
	if err != nil {
		fmt.Fprintf(a.stderr, "drorch: the run's shared lock (table %s in %s) could not be released: %v; it lapses within %s\n",
			table, st.Spec.Region, engine.Redact(secrets, err.Error()), runner.DefaultLockTTL+lock.DefaultSkewMargin)
		return
	}
	fmt.Fprintf(a.stdout, "its shared lock in %s (table %s) is released.\n", st.Spec.Region, table)
}
