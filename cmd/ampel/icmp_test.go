package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckConfigSaysHowToAllowPing runs check-config as a separate
// process without CAP_NET_RAW and in a group that net.ipv4.ping_group_range
// leaves out (nobody's, 65534, outside this machine's and CI's "1 0"): it
// must fail naming the check's line and both ways to allow ping.
func TestCheckConfigSaysHowToAllowPing(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ping_group_range")
	if err != nil {
		t.Fatal(err)
	}
	var lo, hi uint64
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil {
		t.Fatalf("ping_group_range %q: %v", b, err)
	}
	if lo <= 65534 && 65534 <= hi {
		t.Fatalf("ping_group_range %q admits nobody's group: set it to \"1 0\" to run this test", b)
	}
	// Readable by nobody: t.TempDir's parent is root's alone.
	dir, err := os.MkdirTemp("", "ampel-icmp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(cfgPath, []byte("[[components]]\nslug = \"hosts\"\nname = \"Hosts\"\n  [[components.checks]]\n  name = \"gateway\"\n  kind = \"icmp\"\n  target = \"127.0.0.1\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "ampel.test")
	copyFile(t, os.Args[0], bin)
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
		bin, "check-config", "--config", cfgPath)
	cmd.Env = append(os.Environ(), "AMPEL_TEST_RUN_MAIN=1")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d (%v), want 1:\n%s", code, err, out)
	}
	for _, want := range []string{"ampel.toml:6: components[0].checks[0].kind: ICMP sockets are not permitted", "sysctl -w net.ipv4.ping_group_range=", "setcap cap_net_raw+ep"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("check-config says\n%s\nwithout %q", out, want)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
