package notify_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"drorch/internal/clock"
	"drorch/notify"
	"drorch/readiness"
)

// A readiness change goes to every destination as a readiness.changed
// message, its status ready or not-ready, its text escaped for chat tools,
// each destination tried again as run notifications are. A destination
// that stays down fails the notification, naming it, while the others
// still get the message: the next evaluation sends it again.
func TestReadinessChanges(t *testing.T) {
	t.Parallel()
	up := &receiver{codes: []int{http.StatusServiceUnavailable}}
	upHook, _ := webhook(t, up)
	downHook, _ := webhook(t, &receiver{codes: []int{500, 500, 500, 500, 500}})
	n := notify.Readiness{Senders: []notify.Sender{upHook, downHook}, Clock: clock.NewAuto(t0)}
	notReady := readiness.Message{Ready: false, Subject: "drorch: failover NOT READY: p.json in us-west-2",
		Text: "The failover of p.json in us-west-2 would not work now.\n- [lag] layer 1, <!channel>: lag 30 s\n"}
	err := n.Notify(context.Background(), notReady)
	if err == nil || !strings.Contains(err.Error(), "4 attempts failed") || strings.Contains(err.Error(), "very-secret-token") {
		t.Fatalf("error %v", err)
	}
	if err := (notify.Readiness{Senders: []notify.Sender{upHook}, Clock: clock.NewAuto(t0)}).Notify(context.Background(),
		readiness.Message{Ready: true, Subject: "drorch: failover ready again: p.json in us-west-2", Text: "ready again\n"}); err != nil {
		t.Fatal(err)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if len(up.got) != 2 || up.tries != 3 {
		t.Fatalf("got %d messages in %d tries: %+v", len(up.got), up.tries, up.got)
	}
	first, second := up.got[0], up.got[1]
	if first.Event != notify.ReadinessChanged || first.Status != "not-ready" || first.Subject != notReady.Subject ||
		!strings.HasPrefix(first.Text, notReady.Subject+"\nThe failover") || !strings.Contains(first.Text, "&lt;!channel&gt;") ||
		strings.Contains(first.Text, "<!channel>") || !first.Time.Equal(t0) {
		b, _ := json.Marshal(first)
		t.Errorf("not ready: %s", b)
	}
	if second.Status != "ready" || second.Event != notify.ReadinessChanged {
		t.Errorf("ready again: %+v", second)
	}
}
