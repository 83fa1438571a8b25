package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestRestartKeepsLastStatus restarts a real process, after a clean stop
// and after a SIGKILL, while the target does not answer in time, so the
// new process has no verdict of its own yet: components.json must keep
// showing the component operational, as it was, not flip to
// degraded_performance (Ampel's "no data") until a probe says otherwise;
// the history still records the gap as no data.
func TestRestartKeepsLastStatus(t *testing.T) {
	var hang atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() {
			<-r.Context().Done() // slower than the probe's timeout: no verdict
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(target.Close)
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, target.URL)
	db := filepath.Join(dir, "ampel.db")

	cmd, base, _ := startAmpel(t, cfgPath)
	eventually(t, 10*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })
	eventually(t, 10*time.Second, "a committed up state", func() bool {
		return strings.Contains(levels(componentTimeline(t, db, "api")), "no_data>up")
	})
	hang.Store(true)

	for _, stop := range []struct {
		name string
		do   func() error
	}{
		{"SIGTERM", func() error { return cmd.Process.Signal(syscall.SIGTERM) }},
		{"SIGKILL", func() error { return cmd.Process.Kill() }},
	} {
		if err := stop.do(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		var stderr *syncBuffer
		cmd, base, stderr = startAmpel(t, cfgPath)
		// Two failed probes (failures_to_down = 2, interval 1s) would be
		// a verdict: look until just before the second can land.
		for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); {
			if got := componentStatus(t, base, "api"); got != "operational" {
				t.Fatalf("after %s, components.json says %q before any probe decided, want operational\n%s", stop.name, got, stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if got := levels(componentTimeline(t, db, "api")); !strings.HasPrefix(got, "no_data>up up>no_data") {
		t.Errorf("timeline %s, want the gap recorded as no data", got)
	}
}
