package ops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"drorch/internal/clock"
	"drorch/manifest"
	"drorch/readiness"
	"drorch/runner"
	"drorch/sfn"
)

// CheckStatePrefix is the run bucket's prefix of the check op's state
// objects, one per payload: what the topic was last told about it. The
// template lets the function read and write there, and read the scheduled
// payload's key, for checks; nothing else of the bucket.
const CheckStatePrefix = "checks/state/"

// checkStateVersion is the state object's format.
const checkStateVersion = 1

// checkRecord is a check's state object. It holds verdicts and counts,
// never a finding's text nor a parameter's value: nothing secret.
type checkRecord struct {
	Version int `json:"version"`
	// Payload is where the payload is read from (sfn.Checked.Payload): a
	// record found under another payload's key is damaged.
	Payload string `json:"payload"`
	// Told is what the topic was last told (readiness.Once's state).
	Told readiness.State `json:"told"`
	// Last is the newest evaluation, for an operator who looks.
	Last checkLast `json:"last"`
}

type checkLast struct {
	At            time.Time        `json:"at"`
	PayloadSHA256 string           `json:"payloadSHA256"`
	Ready         bool             `json:"ready"`
	Counts        readiness.Counts `json:"counts"`
	Notified      bool             `json:"notified"`
}

// checkInput is a check request, validated.
type checkInput struct {
	pf       *runner.Payload
	workflow string
	maxLag   time.Duration
	stateKey string
}

// Check evaluates a payload's readiness read-only, as `drorch check` does
// (package readiness: references here and in the other regions, health,
// CloudWatch's replication lag, capacity parity, IAM's policy simulator on
// the function's own role, plan blockers), and publishes the result to the
// topic only when it differs from what the topic was last told, which it
// keeps in the run bucket (CheckStatePrefix). It logs one line per
// evaluation. Nothing is changed in AWS.
//
// The schedule invokes it asynchronously and discards its answer, so a
// check that fails is logged too (event readiness.failed) before the
// invocation fails: Lambda then tries it again, and the dead-letter queue
// keeps it.
func (f *Functions) Check(ctx context.Context, req *sfn.Request) (*sfn.Checked, error) {
	out, evaluated, err := f.check(ctx, req)
	if err != nil && !evaluated {
		msg := err.Error()
		var se *sfn.Error
		if errors.As(err, &se) {
			msg = se.Name + ": " + se.Message
		}
		f.logLine(map[string]any{"event": "readiness.failed", "payloadKey": req.PayloadKey, "error": clip(msg, 4000)})
	}
	return out, err
}

// check is Check; evaluated says whether its evaluation was logged.
func (f *Functions) check(ctx context.Context, req *sfn.Request) (*sfn.Checked, bool, error) {
	in, err := f.checkInput(ctx, req)
	if err != nil {
		return nil, false, err
	}
	prev, damaged, err := f.checkState(ctx, in)
	if err != nil {
		return nil, false, err
	}
	clk := f.Clock
	if clk == nil {
		clk = clock.Real()
	}
	home := runner.Cloud{Region: f.Settings.Region, Reader: f.Reader, Batch: f.Batch, Identity: f.Identity,
		Exports: f.Exports, Params: f.Parameters} // no Executor: a check changes nothing
	env := readiness.Env{Cloud: readiness.Regional(home), Permissions: f.Permissions, Clock: clk}
	started := f.now()
	r, err := readiness.Evaluate(ctx, env, f.Registry, in.pf, readiness.Settings{Region: f.Settings.Region, MaxLag: in.maxLag})
	if err != nil {
		return nil, false, awsError("evaluate "+in.pf.Name+" before the function's timeout", err)
	}
	if damaged {
		// What the topic was last told is unknown: tell it the readiness
		// now, whatever it is. A duplicate is better than a lost alarm.
		prev = readiness.State{NotReady: r.Ready}
	}
	_, next, sent, notifyErr := readiness.Once(ctx, func(context.Context) (*readiness.Result, error) { return r, nil },
		f.Readiness, prev)
	rec, _ := json.Marshal(checkRecord{Version: checkStateVersion, Payload: in.pf.Name, Told: next,
		Last: checkLast{At: r.At, PayloadSHA256: r.SHA256, Ready: r.Ready, Counts: r.Counts, Notified: sent}})
	saveErr := f.Store.Put(ctx, f.Settings.Bucket, in.stateKey, rec)

	out := &sfn.Checked{Payload: r.Payload, PayloadSHA256: r.SHA256, Region: r.Region, At: r.At, Ready: r.Ready,
		Status: string(r.Status), Summary: r.Summary(), Notified: sent, StateKey: in.stateKey,
		Counts: sfn.CheckCounts{Pass: r.Counts.Pass, Warning: r.Counts.Warning, Failure: r.Counts.Failure}}
	out.Failures, out.Warnings = findings(r, readiness.Failure), findings(r, readiness.Warning)
	fields := map[string]any{"event": "readiness.checked", "payload": r.Payload, "payloadSHA256": r.SHA256, "region": r.Region,
		"workflow": in.workflow, "maxLag": in.maxLag.String(), "ready": r.Ready, "status": out.Status, "summary": out.Summary,
		"counts": out.Counts, "notified": sent, "stateKey": in.stateKey, "seconds": f.now().Sub(started).Seconds()}
	if n := len(out.Failures); n > 0 {
		fields["failures"] = out.Failures[:min(n, 5)]
	}
	if damaged {
		fields["stateDamaged"] = true
	}
	if notifyErr != nil {
		fields["notifyError"] = notifyErr.Error()
	}
	if saveErr != nil {
		fields["stateError"] = saveErr.Error()
	}
	f.logLine(fields)
	switch {
	case notifyErr != nil:
		return nil, true, awsError(fmt.Sprintf("tell the topic that %s is %s (tried again at the next check)", r.Payload, r.Summary()), notifyErr)
	case saveErr != nil:
		// The next check, not knowing what the topic was told, may tell it
		// again.
		return nil, true, awsError("save the check's state", saveErr)
	}
	return out, true, nil
}

// findings lists the first sfn.MaxCheckFailures findings of status st,
// each with where it is, as readiness.Result.Failures words them.
func findings(r *readiness.Result, st readiness.Status) []string {
	var out []string
	add := func(where string, f readiness.Finding) {
		if f.Status == st && len(out) < sfn.MaxCheckFailures {
			out = append(out, clip(fmt.Sprintf("[%s] %s%s", f.Check, where, f.Message), 1000))
		}
	}
	for _, f := range r.Findings {
		add("", f)
	}
	for _, rr := range r.Resources {
		for _, f := range rr.Findings {
			add(fmt.Sprintf("layer %d, %s: ", rr.Layer, rr.Name), f)
		}
	}
	return out
}

// checkInput validates a check request and reads its payload.
func (f *Functions) checkInput(ctx context.Context, req *sfn.Request) (*checkInput, error) {
	in := &checkInput{maxLag: readiness.DefaultMaxLag}
	if req.MaxLag != "" {
		d, err := time.ParseDuration(req.MaxLag)
		if err != nil || d <= 0 {
			return nil, sfn.Errorf(sfn.ErrBadInput, "maxLag %q: write a positive Go duration, e.g. \"1s\" or \"30s\"", clip(req.MaxLag, 40))
		}
		in.maxLag = d
	}
	var (
		catalog  manifest.Catalog = f.Registry
		workflow *sfn.Workflow
	)
	if req.Workflow != "" {
		w, err := sfn.LookupWorkflow(req.Workflow)
		if err != nil {
			return nil, sfn.Errorf(sfn.ErrBadInput, "workflow: %v (or leave it out to accept every type drorch knows)", err)
		}
		workflow, in.workflow, catalog = &w, w.Name, workflowCatalog{reg: f.Registry, w: w}
	}
	var (
		data []byte
		name string
	)
	switch {
	case len(req.Payload) > 0 && req.PayloadKey != "":
		return nil, sfn.Errorf(sfn.ErrBadInput, "the request gives both payload and payloadKey: give one")
	case req.PayloadKey != "":
		if err := checkKey(req.PayloadKey); err != nil {
			return nil, err
		}
		name = "s3://" + f.Settings.Bucket + "/" + req.PayloadKey
		var err error
		data, err = f.Store.Get(ctx, f.Settings.Bucket, req.PayloadKey)
		if errors.Is(err, ErrNoObject) {
			return nil, sfn.Errorf(sfn.ErrBadInput, "%s does not exist: upload the payload there (deploy/README.md, \"Scheduled readiness checks\")", name)
		}
		if err != nil {
			return nil, awsError("read the payload", err)
		}
		// The state follows the key, not the content: after a corrected
		// payload is uploaded, the topic that was told "not ready" is told
		// when it is ready again.
		in.stateKey = CheckStatePrefix + "key-" + sha(req.PayloadKey) + ".json"
	case len(req.Payload) > 0:
		data = req.Payload
		sum := sha(string(data))
		name = "inline payload sha256:" + sum[:12]
		in.stateKey = CheckStatePrefix + "payload-" + sum + ".json"
	default:
		return nil, sfn.Errorf(sfn.ErrBadInput,
			`no payload to check: give "payloadKey" (an object of the run bucket) or "payload" ({"StatePayload": [...]})`)
	}
	if len(data) > manifest.MaxPayloadBytes {
		return nil, named(name, badInput(manifest.Problems{manifest.TooLarge(int64(len(data)))}))
	}
	payload, problems := manifest.Load(data, catalog)
	if len(problems) > 0 {
		if workflow != nil {
			problems = explainWorkflow(problems, payload, f.Registry, *workflow)
		}
		return nil, named(name, badInput(problems))
	}
	if workflow != nil {
		if problems := limits(payload); len(problems) > 0 {
			return nil, named(name, badInput(problems))
		}
	}
	in.pf = &runner.Payload{Name: name, SHA256: sha(string(data)), Payload: payload}
	return in, nil
}

// checkKey refuses a payload key under the prefixes drorch writes (a run
// record holds its lock's token: read as a payload, a refusal could quote
// it) and one that could forge a line of a message.
func checkKey(key string) error {
	bad := len(key) > 1024 || !utf8.ValidString(key) || strings.HasPrefix(key, CheckStatePrefix) || strings.HasPrefix(key, "runs/") ||
		strings.IndexFunc(key, unicode.IsControl) >= 0
	if bad {
		return sfn.Errorf(sfn.ErrBadInput, "payloadKey %q: name an object of the run bucket of at most 1,024 bytes, outside runs/ and %s, without control characters (e.g. checks/payloads/failover.json)",
			clip(key, 80), CheckStatePrefix)
	}
	return nil
}

// named puts the payload's name before a refusal's message.
func named(name string, err error) error {
	var se *sfn.Error
	if errors.As(err, &se) {
		return &sfn.Error{Name: se.Name, Message: name + ": " + se.Message}
	}
	return err
}

// checkState reads what the topic was last told about the payload. None
// yet is the zero State; a record that cannot be read as one is damaged.
func (f *Functions) checkState(ctx context.Context, in *checkInput) (readiness.State, bool, error) {
	data, err := f.Store.Get(ctx, f.Settings.Bucket, in.stateKey)
	if errors.Is(err, ErrNoObject) {
		return readiness.State{}, false, nil
	}
	if err != nil {
		return readiness.State{}, false, awsError("read the check's state", err)
	}
	var rec checkRecord
	if json.Unmarshal(data, &rec) != nil || rec.Version != checkStateVersion || rec.Payload != in.pf.Name {
		return readiness.State{}, true, nil
	}
	return rec.Told, false, nil
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
