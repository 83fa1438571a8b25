// Package clustertest runs an Ampel cluster as real processes for tests
// and the failover drill (bench/cluster): a PostgreSQL server of its own
// (pkg/pgtest), N "ampel serve" nodes built once from this module, HAProxy
// from Debian in front of them, and a TCP proxy that can pause and drop a
// node's connections to the database. Everything runs on loopback in a
// temp dir and is killed, process group and all, when the test ends.
package clustertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ampelstatus/ampel/pkg/pgtest"
)

// EnvBinary names the environment variable that points the harness at an
// ampel binary of one's own instead of building one (an older release,
// say, to rehearse a rolling upgrade).
const EnvBinary = "AMPEL_CLUSTER_BINARY"

// built is this process's build of cmd/ampel.
var built struct {
	mu   sync.Mutex
	dir  string // temp dir holding the binary; removed by Cleanup
	path string
	err  error
}

// Binary returns the path of an ampel binary: $AMPEL_CLUSTER_BINARY, or
// cmd/ampel of the module the working directory is in, built once per
// process (without -race: the nodes are the system under test, not the
// race detector's, and three raced nodes overload a small CI machine).
func Binary() (string, error) {
	if bin := os.Getenv(EnvBinary); bin != "" {
		return bin, nil
	}
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.path != "" || built.err != nil {
		return built.path, built.err
	}
	built.path, built.err = build()
	return built.path, built.err
}

func build() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("clustertest: go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("clustertest: not inside the ampel module (go env GOMOD is empty); run from the repository")
	}
	dir, err := os.MkdirTemp("", "ampel-cluster-bin-")
	if err != nil {
		return "", fmt.Errorf("clustertest: %w", err)
	}
	built.dir = dir
	bin := filepath.Join(dir, "ampel")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/ampel")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("clustertest: go build ./cmd/ampel: %w\n%s", err, out)
	}
	return bin, nil
}

// Cleanup removes the binary Binary built. Main calls it; a program
// (bench/cluster) calls it before it exits.
func Cleanup() {
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	built.dir, built.path, built.err = "", "", nil
}

// Main runs the tests, then removes the built binary and stops pgtest's
// shared server. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	pgtest.StopShared()
	os.Exit(code)
}
