package sim

import "testing"

// The per-second counts keep the newest MaxCallSeconds seconds that had
// calls, whatever the simulator served before.
func TestCallsPerSecondAreBounded(t *testing.T) {
	t.Parallel()
	s := &Sim{}
	const extra = 5
	for sec := range int64(MaxCallSeconds + extra) {
		s.countSecond("us-west-2", "rds", sec)
		if sec%2 == 0 {
			s.countSecond("us-west-2", "rds", sec)
		}
	}
	got := s.CallsPerSecond("us-west-2", "rds")
	if len(got) != MaxCallSeconds || len(s.perSecond) != MaxCallSeconds || len(s.seconds) != MaxCallSeconds {
		t.Fatalf("kept %d seconds (%d in the map, %d in order), want %d", len(got), len(s.perSecond), len(s.seconds), MaxCallSeconds)
	}
	if first := got[0].Second.Unix(); first != extra {
		t.Errorf("the oldest second kept is %d, want %d: the oldest go first", first, extra)
	}
	last, want, calls := got[len(got)-1], int64(MaxCallSeconds+extra-1), 1
	if want%2 == 0 {
		calls = 2
	}
	if last.Second.Unix() != want || last.Count != calls {
		t.Errorf("the newest second kept: %+v, want second %d with %d calls", last, want, calls)
	}
}
