package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TestHeartbeatFromARealJob: a separate process (a shell loop calling
// curl, as a cron job would) calls the push URL; the check is up while it
// calls, down interval + grace after it stops, and down again when a run
// starts and does not finish within max_runtime.
func TestHeartbeatFromARealJob(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatalf("curl is needed to play the job: %v", err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(cfgPath, []byte(`
[server]
listen = "127.0.0.1:0"
shutdown_timeout = "5s"
[storage]
path = "ampel.db"
[[components]]
slug = "jobs"
name = "Jobs"
  [[components.checks]]
  name = "nightly"
  kind = "heartbeat"
  interval = "1s"
    [components.checks.heartbeat]
    grace = "1s"
    max_runtime = "2s"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"token", "create", "--config", cfgPath, "--heartbeat", "nightly"}, nil, &out, &errb); code != 0 {
		t.Fatalf("token create: exit %d: %s", code, errb.String())
	}
	token := strings.TrimSpace(out.String())
	if !strings.HasPrefix(token, heartbeatTokenPrefix) || !strings.Contains(errb.String(), "/api/v1/heartbeat/TOKEN") {
		t.Fatalf("token %q, message %q", token, errb.String())
	}
	base, stop := serveInProcess(t, cfgPath)
	url := base + "/api/v1/heartbeat/" + token

	// The job: a call every 300ms until it is killed.
	job := exec.Command("sh", "-c", fmt.Sprintf(`while :; do %s -fsS -o /dev/null %q || exit 1; sleep 0.3; done`, curl, url))
	var jobErr bytes.Buffer
	job.Stderr = &jobErr
	if err := job.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { job.Process.Kill(); job.Wait() })
	eventually(t, 10*time.Second, "the job's calls make the check up", func() bool { return observedUp(t, base, "jobs") })
	// Up while it calls: several intervals pass and it stays up.
	held := time.Now().Add(3 * time.Second)
	for time.Now().Before(held) {
		if !observedUp(t, base, "jobs") {
			t.Fatalf("went down while the job was calling: %s", jobErr.String())
		}
		time.Sleep(200 * time.Millisecond) // the span observed, not a wait for readiness
	}
	job.Process.Kill()
	job.Wait()
	eventually(t, 10*time.Second, "down after the calls stopped", func() bool { return componentStatus(t, base, "jobs") == "major_outage" })

	// A run that starts and never finishes.
	call(t, url)
	eventually(t, 10*time.Second, "up after a call", func() bool { return observedUp(t, base, "jobs") })
	call(t, url+"/start")
	eventually(t, 10*time.Second, "down after max_runtime", func() bool { return componentStatus(t, base, "jobs") == "major_outage" })
	stop()

	st, err := store.Open(context.Background(), filepath.Join(dir, "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	changes, err := st.Changes(ctx, status.CheckZone, "nightly", time.Unix(0, 0), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	results, err := st.Results(ctx, "nightly", time.Unix(0, 0), time.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var downs []status.Change
	for _, c := range changes {
		if c.To == status.Down {
			downs = append(downs, c)
		}
	}
	if len(downs) != 2 || !strings.Contains(downs[0].Cause, "no heartbeat since ") || !strings.Contains(downs[1].Cause, "not finished within 2s") {
		t.Fatalf("down changes %+v", downs)
	}
	// The first went down interval + grace after the last call before it.
	var lastUp time.Time
	for _, r := range results {
		if r.Outcome == status.Up && r.Start.Before(downs[0].At) && r.Start.After(lastUp) {
			lastUp = r.Start
		}
	}
	if gap := downs[0].At.Sub(lastUp); gap < 2*time.Second || gap > 3*time.Second {
		t.Errorf("down %s after the last call, want interval + grace (2s)", gap)
	}
}

func call(t *testing.T, url string) {
	t.Helper()
	if out, err := exec.Command("curl", "-fsS", "-o", "/dev/null", url).CombinedOutput(); err != nil {
		t.Fatalf("curl %s: %v %s", url, err, out)
	}
}
