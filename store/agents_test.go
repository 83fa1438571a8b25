package store

import (
	"context"
	"math"
	"testing"
)

// TestAgentGapSaturates: the gap counter stops at the largest integer
// instead of overflowing, which failed every later push (issue 15).
func TestAgentGapSaturates(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, gap := range []int64{math.MaxInt64 - 1, 5, math.MaxInt64} {
		if err := s.RecordAgentPush(ctx, "a", "eu", AgentPush{AckedSeq: 9, Gap: gap, Received: t0, AgentSentAt: t0}); err != nil {
			t.Fatalf("push with gap %d: %v", gap, err)
		}
	}
	a, ok, err := s.Agent(ctx, "a")
	if err != nil || !ok || a.Gap != math.MaxInt64 || a.AckedSeq != 9 {
		t.Fatalf("agent %+v %v %v, want the gap at 2^63-1", a, ok, err)
	}
}
