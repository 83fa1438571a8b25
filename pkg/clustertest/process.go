package clustertest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Process is a child process in a process group of its own, with its
// output in a log file. Kill and Stop end the whole group, so nothing it
// started outlives it; it also dies with the process that started it
// (Pdeathsig), even when that one is killed.
type Process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed once the process has been waited for
	err     error         // its exit status; read after exited is closed
}

// startProcess starts bin with args in dir, its stderr (and stdout,
// unless stdout is given) appended to logPath.
func startProcess(name, bin string, args []string, dir string, env []string, logPath string, stdout io.Writer) (*Process, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("clustertest: %s log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logf
	cmd.Stdout = logf
	if stdout != nil {
		cmd.Stdout = io.MultiWriter(logf, stdout)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("clustertest: start %s: %w", name, err)
	}
	p := &Process{name: name, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.exited)
	}()
	return p, nil
}

// Pid is the process id (and its group's id).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited is closed once the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Running reports whether the process has not exited yet.
func (p *Process) Running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Err is the exit status once the process has exited (nil for exit 0).
func (p *Process) Err() error {
	<-p.exited
	return p.err
}

// Signal sends sig to the process's whole group.
func (p *Process) Signal(sig syscall.Signal) error {
	if !p.Running() {
		return nil
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("clustertest: signal %s: %w", p.name, err)
	}
	return nil
}

// Kill ends the group with SIGKILL, no warning given, and waits for the
// process.
func (p *Process) Kill() error {
	err := p.Signal(syscall.SIGKILL)
	<-p.exited
	return err
}

// Stop sends SIGTERM and waits up to grace for the process to exit, then
// kills it. It returns an error when the process had to be killed or
// did not exit cleanly.
func (p *Process) Stop(grace time.Duration) error {
	if !p.Running() {
		return nil
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-p.exited:
	case <-time.After(grace):
		p.Kill()
		return fmt.Errorf("clustertest: %s still running %s after SIGTERM, killed\n%s", p.name, grace, p.LogTail(4000))
	}
	// The group may hold children of its own: end them too.
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	if p.err != nil {
		return fmt.Errorf("clustertest: %s exit after SIGTERM: %w\n%s", p.name, p.err, p.LogTail(4000))
	}
	return nil
}

// Log is everything the process wrote so far (all its runs, for a node).
func (p *Process) Log() string { return readLog(p.logPath) }

// LogTail is the last n bytes of Log.
func (p *Process) LogTail(n int) string { return tail(readLog(p.logPath), n) }

func readLog(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func tail(s string, n int) string {
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
