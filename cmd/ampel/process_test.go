package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// ampelCmd runs this test binary as the ampel command (see TestMain).
func ampelCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "AMPEL_TEST_RUN_MAIN=1")
	return cmd
}

// startAmpel starts a real "ampel serve" process and returns it with its
// base URL and its log, showing the log if it does not start.
func startAmpel(t *testing.T, cfgPath string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	cmd := ampelCmd("serve", "--config", cfgPath)
	base, stderr := startServing(t, cmd)
	return cmd, base, stderr
}

// startServing starts cmd, an "ampel serve", and returns its base URL
// and its log once it serves, showing the log if it does not start.
func startServing(t *testing.T, cmd *exec.Cmd) (string, *syncBuffer) {
	t.Helper()
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Wait()
		t.Fatalf("ampel serve did not start: %v\n%s", err, stderr.String())
	}
	return baseURL(t, line), stderr
}

// TestSIGTERMCommitsAndExitsZero stops a real process with SIGTERM: it
// must exit 0 having committed its results and recorded that observation
// ended.
func TestSIGTERMCommitsAndExitsZero(t *testing.T) {
	target, _ := flipTarget(t)
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, target.URL)
	cmd, base, stderr := startAmpel(t, cfgPath)
	eventually(t, 10*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15s after SIGTERM\n%s", stderr.String())
	}
	changes := componentTimeline(t, filepath.Join(dir, "ampel.db"), "api")
	last := changes[len(changes)-1]
	if last.To != status.NoData || last.Cause != "Ampel stopped" {
		t.Fatalf("last change %+v, want the recorded stop", last)
	}
}

// TestRestartAfterSIGKILLClosesTheGap kills a real process without warning
// and starts it again: the time it was gone must be recorded as no data,
// not as up.
func TestRestartAfterSIGKILLClosesTheGap(t *testing.T) {
	target, _ := flipTarget(t)
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, target.URL)
	cmd, base, _ := startAmpel(t, cfgPath)
	eventually(t, 10*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })
	// Let a batch commit after the state change (batches commit within
	// ~100ms) so the kill finds history to close.
	eventually(t, 10*time.Second, "a committed up state", func() bool {
		return strings.Contains(levels(componentTimeline(t, filepath.Join(dir, "ampel.db"), "api")), "no_data>up")
	})
	cmd.Process.Kill()
	cmd.Wait()

	_, base, stderr := startAmpel(t, cfgPath)
	eventually(t, 10*time.Second, "gap recorded", func() bool {
		return levels(componentTimeline(t, filepath.Join(dir, "ampel.db"), "api")) == "no_data>up up>no_data no_data>up"
	})
	changes := componentTimeline(t, filepath.Join(dir, "ampel.db"), "api")
	if gap := changes[1]; gap.Cause != "no data: Ampel was not running" || gap.At.After(changes[2].At) {
		t.Fatalf("gap change %+v\n%s", gap, stderr.String())
	}
}
