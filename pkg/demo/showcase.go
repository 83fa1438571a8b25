package demo

import (
	"context"
	"net"
	"net/http"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
)

// showcase is one check of each kind beyond http and tcp: a host that
// answers ping, a gRPC service failing now and then in one zone, and a
// batch job that reports in.
var showcase = []component{
	{slug: "gateway", name: "Gateway host", group: "Infrastructure", description: "The edge router, pinged.",
		checks: []check{{name: "gateway-ping", kind: "icmp", latency: 200 * time.Microsecond}}},
	{slug: "billing", name: "Billing service", group: "Infrastructure", description: "A gRPC service, by its health protocol.",
		checks: []check{{name: "billing-grpc", kind: "grpc", latency: 12 * time.Millisecond}}},
	{slug: "export", name: "Nightly export", group: "Infrastructure", description: "A batch job that calls in after each run.",
		checks: []check{{name: "export-job", kind: "heartbeat", latency: 1500 * time.Millisecond}}},
}

// healthServer answers grpc.health.v1 as the scenario says, for the zone
// named in the caller's User-Agent.
type healthServer struct {
	healthpb.UnimplementedHealthServer
	scenario *Scenario
}

func (h *healthServer) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	zone := ""
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if ua := md.Get("user-agent"); len(ua) > 0 {
			zone = ZoneOf(ua[0])
		}
	}
	a := h.scenario.Answer("billing-grpc", zone, time.Now())
	timer := time.NewTimer(a.Latency)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if a.Fail {
		return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_NOT_SERVING}, nil
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// startGRPC serves the health service on a loopback port.
func startGRPC(s *Scenario) (*grpc.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, &healthServer{scenario: s})
	return srv, ln, nil
}

// RunJob plays the heartbeat check's batch job until ctx ends: every
// Interval it calls url/start, works for the run's time, and calls url.
// Calls that fail (the server not up yet) are dropped, as a cron job's
// curl would drop them.
func RunJob(ctx context.Context, url string, s *Scenario) {
	client := &http.Client{Timeout: 2 * time.Second}
	call := func(u string) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
		if err != nil {
			return
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	tick := time.NewTicker(Interval)
	defer tick.Stop()
	for {
		call(url + "/start")
		run := time.NewTimer(s.Answer("export-job", "", time.Now()).Latency)
		select {
		case <-ctx.Done():
			run.Stop()
			return
		case <-run.C:
		}
		call(url)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
