package probes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

func icmpCheck(target string, s *config.ICMP) *config.Check {
	return &config.Check{Name: "ping", Kind: "icmp", Target: target, ICMP: s, Timeout: config.Duration(2 * time.Second)}
}

// The tests run as root (here and in CI), so a raw socket is allowed
// even where ping_group_range excludes every group.
func TestICMPLoopbackIsUp(t *testing.T) {
	p := newProbe(t, ICMP, icmpCheck("127.0.0.1", &config.ICMP{Count: 3, PacketInterval: config.Duration(20 * time.Millisecond)}))
	obs := probe(t, p, 3*time.Second, Env{}, "127.0.0.1")
	want(t, obs, status.Up, "")
	if obs.Duration <= 0 || obs.Duration > time.Second {
		t.Errorf("duration %s, want the average round trip", obs.Duration)
	}
	slow := newProbe(t, ICMP, icmpCheck("localhost", &config.ICMP{Count: 1, DegradedAfter: config.Duration(time.Nanosecond)}))
	want(t, probe(t, slow, 3*time.Second, Env{}, "localhost"), status.Degraded, "slow: ")
}

// TestICMPNoReplyIsDown pings 127.0.0.1 inside a network namespace made
// for the test, whose kernel ignores echo requests: no packet leaves the
// namespace, and none is answered.
func TestICMPNoReplyIsDown(t *testing.T) {
	ns := fmt.Sprintf("ampel-icmp-%d", os.Getpid())
	run(t, "ip", "netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "delete", ns).Run() })
	run(t, "ip", "-n", ns, "link", "set", "lo", "up")
	run(t, "ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.icmp_echo_ignore_all=1")

	got := helperProcess(t, []string{"ip", "netns", "exec", ns}, helperArgs{Target: "127.0.0.1", Timeout: 500 * time.Millisecond})
	want(t, got.Obs, status.Down, "no reply")
	if !strings.Contains(got.Obs.Detail, "0 of 3 replies") {
		t.Errorf("detail %q does not count the replies", got.Obs.Detail)
	}
}

// TestICMPPermissionDenied runs the probe in a child process without
// CAP_NET_RAW, in a group outside net.ipv4.ping_group_range: check-config
// and the log must say what to change.
func TestICMPPermissionDenied(t *testing.T) {
	gid := gidOutsidePingRange(t)
	prefix := []string{"setpriv", "--reuid=65534", "--regid=" + strconv.FormatUint(gid, 10), "--clear-groups",
		"--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"}
	got := helperProcess(t, prefix, helperArgs{Target: "127.0.0.1", Timeout: 500 * time.Millisecond})
	for _, s := range []string{"sysctl -w net.ipv4.ping_group_range=", "CAP_NET_RAW", "setcap cap_net_raw+ep", "gid " + strconv.FormatUint(gid, 10)} {
		if !strings.Contains(got.Permitted, s) {
			t.Errorf("Permitted() = %q, does not say %q", got.Permitted, s)
		}
	}
	want(t, got.Obs, status.NoData, "not probed: ICMP not permitted")
	if got.Obs.Detail != got.Permitted {
		t.Errorf("detail %q, want the same advice as Permitted", got.Obs.Detail)
	}
}

func TestICMPAccess(t *testing.T) {
	ok := func(string, string) (net.PacketConn, error) { return net.ListenPacket("udp", "127.0.0.1:0") }
	refuse := func(errno syscall.Errno) func(string, string) (net.PacketConn, error) {
		return func(network, _ string) (net.PacketConn, error) {
			return nil, &net.OpError{Op: "listen", Net: network, Err: os.NewSyscallError("socket", errno)}
		}
	}
	by := func(udp, raw func(string, string) (net.PacketConn, error)) listenFunc {
		return func(network, address string) (net.PacketConn, error) {
			if network == "udp4" {
				return udp(network, address)
			}
			return raw(network, address)
		}
	}
	tests := []struct {
		name       string
		listen     listenFunc
		privileged bool
		err        string
	}{
		{"ping socket allowed", by(ok, refuse(syscall.EPERM)), false, ""},
		{"raw socket only", by(refuse(syscall.EACCES), ok), true, ""},
		{"neither", by(refuse(syscall.EACCES), refuse(syscall.EPERM)), false, "net.ipv4.ping_group_range"},
		{"another failure", by(refuse(syscall.EACCES), refuse(syscall.EMFILE)), false, "too many open files"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			priv, err := icmpAccess(tc.listen)
			if priv != tc.privileged || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("icmpAccess = %v, %v; want %v, error with %q", priv, err, tc.privileged, tc.err)
			}
		})
	}
}

func TestICMPJudge(t *testing.T) {
	p := &icmpProbe{count: 4, degradedLoss: 25, downLoss: 75, degraded: 50 * time.Millisecond}
	tests := []struct {
		replies int
		avg     time.Duration
		outcome status.Level
		reason  string
	}{
		{4, time.Millisecond, status.Up, ""},
		{5, time.Millisecond, status.Up, ""}, // a duplicate is no extra reply
		{4, 80 * time.Millisecond, status.Degraded, "slow: 80ms"},
		{3, time.Millisecond, status.Degraded, "25% packet loss"},
		{2, time.Millisecond, status.Degraded, "50% packet loss"},
		{1, time.Millisecond, status.Down, "75% packet loss"},
		{0, 0, status.Down, "no reply"},
	}
	for _, tc := range tests {
		obs := p.judge(tc.replies, tc.avg)
		if obs.Outcome != tc.outcome || obs.Reason != tc.reason {
			t.Errorf("judge(%d, %s) = %s %q, want %s %q", tc.replies, tc.avg, obs.Outcome, obs.Reason, tc.outcome, tc.reason)
		}
	}
}

func TestICMPConstructorErrors(t *testing.T) {
	_, err := ICMP(icmpCheck("db.internal:5432", nil))
	wantErr(t, err, "target")
}

// helperArgs is what the parent asks of TestICMPHelperProcess.
type helperArgs struct {
	Target  string
	Timeout time.Duration
}

// helperResult is what the child saw.
type helperResult struct {
	Permitted string
	Obs       Observation
}

const helperEnv = "AMPEL_ICMP_HELPER"

// TestICMPHelperProcess is the child of helperProcess: it prepares and
// runs one icmp probe and prints what it saw. It does nothing in a normal
// run.
func TestICMPHelperProcess(t *testing.T) {
	arg := os.Getenv(helperEnv)
	if arg == "" {
		return
	}
	var a helperArgs
	if err := json.Unmarshal([]byte(arg), &a); err != nil {
		t.Fatal(err)
	}
	var res helperResult
	if err := Permitted("icmp"); err != nil {
		res.Permitted = err.Error()
	}
	chk := icmpCheck(a.Target, &config.ICMP{Count: 3, PacketInterval: config.Duration(20 * time.Millisecond)})
	chk.Timeout = config.Duration(a.Timeout)
	res.Obs = probe(t, newProbe(t, ICMP, chk), 2*a.Timeout, Env{}, a.Target)
	out, _ := json.Marshal(res)
	fmt.Printf("\nRESULT %s\n", out)
}

// helperProcess runs TestICMPHelperProcess in a separate process started
// through prefix (a namespace or fewer privileges) and returns its result.
func helperProcess(t *testing.T, prefix []string, a helperArgs) helperResult {
	t.Helper()
	bin := readableCopy(t)
	arg, _ := json.Marshal(a)
	cmd := exec.Command(prefix[0], append(prefix[1:], bin, "-test.run=^TestICMPHelperProcess$", "-test.count=1")...)
	cmd.Env = append(os.Environ(), helperEnv+"="+string(arg))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out.String())
	}
	_, line, ok := strings.Cut(out.String(), "\nRESULT ")
	if !ok {
		t.Fatalf("helper printed no result:\n%s", out.String())
	}
	line, _, _ = strings.Cut(line, "\n")
	var res helperResult
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatalf("helper result %q: %v", line, err)
	}
	return res
}

// readableCopy copies the test binary where an unprivileged user may run
// it: go test builds it in a folder only root can enter.
func readableCopy(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "ampel-icmp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bin := filepath.Join(dir, "probes.test")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return bin
}

// gidOutsidePingRange picks a group the kernel's ping_group_range leaves
// out: nobody's, or the highest valid gid when the range covers nobody.
func gidOutsidePingRange(t *testing.T) uint64 {
	t.Helper()
	b, err := os.ReadFile(pingGroupRange)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		t.Fatalf("%s: %q", pingGroupRange, b)
	}
	lo, err1 := strconv.ParseUint(f[0], 10, 32)
	hi, err2 := strconv.ParseUint(f[1], 10, 32)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: %q", pingGroupRange, b)
	}
	for _, gid := range []uint64{65534, 4294967294} {
		if gid < lo || gid > hi {
			return gid
		}
	}
	t.Fatalf("net.ipv4.ping_group_range %q admits every group: no group to test the refusal with", b)
	return 0
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
