package channel

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// The fan-out figures: one incident update rendered, signed and sent to
// many webhook subscribers over loopback, by parallel senders
// (GOMAXPROCS×4 goroutines). BenchmarkFanOutCeiling posts the same bytes
// with a plain net/http client, no signing and no address check: the
// ceiling the receiver and loopback allow on this machine in this run.

func fanOutReceiver(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func fanOutBody(b *testing.B) []byte {
	inc := []byte(`{"id":"42","name":"Database query delays","status":"identified","impact":"major","shortlink":"https://status.example.com/incidents/42","incident_updates":[{"id":"7","status":"identified","body":"` +
		string(bytes.Repeat([]byte("We found the slow query. "), 40)) + `","incident_id":"42"}]}`)
	body, err := IncidentUpdateBody(spMeta, spPage, inc)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func BenchmarkFanOut(b *testing.B) {
	srv := fanOutReceiver(b)
	body := fanOutBody(b)
	key, _ := ParseSecret(testSecret)
	c := client()
	var n atomic.Int64
	b.SetBytes(int64(len(body)))
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			ch := &Channel{Name: "sub", Kind: Webhook, URL: srv.URL + "/hook/" + strconv.FormatInt(i, 10), Secret: key}
			d, err := SignedJSON(ch, body, "msg_42-7-"+strconv.FormatInt(i, 10), time.Now())
			if err != nil {
				b.Fatal(err)
			}
			if a := Send(context.Background(), c, d, time.Now); a.Outcome != Delivered {
				b.Fatalf("attempt %+v", a)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}

func BenchmarkFanOutCeiling(b *testing.B) {
	srv := fanOutReceiver(b)
	body := fanOutBody(b)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var n atomic.Int64
	b.SetBytes(int64(len(body)))
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			resp, err := c.Post(srv.URL+"/hook/"+strconv.FormatInt(i, 10), "application/json", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
