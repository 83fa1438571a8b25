package store

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkSubscribe: one new address a subscription, its row, its
// components and its confirmation mail in one transaction.
func BenchmarkSubscribe(b *testing.B) {
	s, ctx := openTest(b), context.Background()
	i := 0
	for b.Loop() {
		req := subReq("bench"+strconv.Itoa(i)+"@example.org", "web", "api")
		if _, err := s.Subscribe(ctx, req, subT0); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkSubscribeLimited: the same address over its limit, the case a
// flood of requests for one victim hits.
func BenchmarkSubscribeLimited(b *testing.B) {
	s, ctx := openTest(b), context.Background()
	for i := range 3 {
		if _, err := s.Subscribe(ctx, subReq("victim@example.org"), subT0.Add(time.Duration(i)*time.Second)); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if out, err := s.Subscribe(ctx, subReq("victim@example.org"), subT0.Add(time.Minute)); err != nil || out != Limited {
			b.Fatal(out, err)
		}
	}
}
