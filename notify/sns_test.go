package notify_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"drorch/awsapi"
	"drorch/notify"
	"drorch/sim"
)

const topic = "arn:aws:sns:us-west-2:123456789012:dr-orchestrator-notifications"

// snsOnSim is the SNS sender over the real SDK client, pointed at the
// simulator, whose SNS keeps what was published.
func snsOnSim(t *testing.T) (*notify.SNS, *sim.Sim) {
	t.Helper()
	s, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)
	c, err := awsapi.New(context.Background(), awsapi.Config{Region: "us-west-2", EndpointURL: srv.URL, MaxBackoff: time.Millisecond,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := notify.NewSNS(c.Notifier(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return sn, s
}

func TestSNSOnSimulator(t *testing.T) {
	t.Parallel()
	sn, s := snsOnSim(t)
	l := notifyAll(t, events("r1"), sn)
	msgs := s.Messages()
	if len(msgs) != 3 || l.String() != "" {
		t.Fatalf("%d messages published (logged %q): %+v", len(msgs), l, msgs)
	}
	for i, want := range []string{"drorch: run r1 started", "drorch: run r1 approval.needed", "drorch: run r1 failed"} {
		m := msgs[i]
		var body notify.Message
		if err := json.Unmarshal([]byte(m.Message), &body); err != nil || body.Text == "" || m.TopicARN != topic || m.Region != "us-west-2" {
			t.Errorf("message %d: %+v (%v)", i, m, err)
		}
		if m.Subject != want {
			t.Errorf("subject %d = %q, want %q", i, m.Subject, want)
		}
	}
}

// An outage of the topic's region loses the message after the attempts,
// logged; once the region is back, the next one goes.
func TestSNSOutage(t *testing.T) {
	t.Parallel()
	sn, s := snsOnSim(t)
	if _, err := s.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: "us-west-2", Service: "sns"}); err != nil {
		t.Fatal(err)
	}
	l := notifyAll(t, events("r1")[:2], sn)
	if len(s.Messages()) != 0 || !strings.Contains(l.String(), "4 attempts failed") {
		t.Errorf("published %d; logged %q", len(s.Messages()), l)
	}
	s.ClearFaults()
	l = notifyAll(t, events("r1")[:2], sn)
	if len(s.Messages()) != 1 || l.String() != "" {
		t.Errorf("published %d after the outage; logged %q", len(s.Messages()), l)
	}
}

func TestNewSNSRefuses(t *testing.T) {
	t.Parallel()
	for _, arn := range []string{"", "dr-topic", "arn:aws:sqs:us-west-2:123456789012:q", "arn:aws:sns::123456789012:t"} {
		if _, err := notify.NewSNS(nil, arn); err == nil {
			t.Errorf("NewSNS(%q) accepted it", arn)
		}
	}
}

// A message that gives its own subject (a readiness change) is published
// under it, cut to SNS's printable ASCII under 100 characters, through
// Deliver's retries.
func TestSNSOwnSubject(t *testing.T) {
	t.Parallel()
	sn, s := snsOnSim(t)
	long := "drorch: failover NOT READY: payload.json in us-west-2 " + strings.Repeat("é-x", 40)
	m := notify.Message{Event: notify.ReadinessChanged, Subject: long, Text: "not ready", Status: "not-ready", Time: time.Now()}
	if err := notify.Deliver(context.Background(), nil, notify.Settings{Attempts: 1}, sn, m); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages published", len(msgs))
	}
	got := msgs[0].Subject
	if !strings.HasPrefix(got, "drorch: failover NOT READY: payload.json in us-west-2 -x-x") || len(got) > 99 {
		t.Errorf("subject %q (%d bytes)", got, len(got))
	}
	for _, c := range []byte(got) {
		if c < 0x20 || c >= 0x7f {
			t.Fatalf("subject %q holds byte %#x", got, c)
		}
	}
}
