// Package pgtest starts throwaway PostgreSQL servers for tests, from the
// Debian binaries (initdb, postgres) in a temp dir on a free loopback
// port: no containers, no system service. A missing PostgreSQL is an
// error, which tests turn into a failure, never a skip.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// binDir holds Debian's PostgreSQL 15 binaries (package postgresql).
const binDir = "/usr/lib/postgresql/15/bin"

// nobody is the uid and gid the server runs as when the tests run as root:
// initdb and postgres refuse to run as root.
const nobody = 65534

// Options tune a server.
type Options struct {
	// Fsync turns fsync on. Off, a commit is as fast as memory allows and
	// a crash of the machine (not of the server) may lose data: right for
	// unit tests, which throw the data away. Benchmarks turn it on to
	// compare with SQLite's synchronous=FULL.
	Fsync bool
}

// Server is a PostgreSQL server of its own, in a temp dir. Stop and Start
// take it down and bring it back on the same port and data, as an outage
// would. Its methods are safe for concurrent use.
type Server struct {
	dir  string // the temp dir: data/, the socket, server.log
	port int
	opts Options

	mu   sync.Mutex
	cmd  *exec.Cmd     // the running postmaster; nil when stopped. Guarded by mu.
	exit chan struct{} // closed when cmd has exited. Guarded by mu.
}

// StartServer runs initdb in a new temp dir and starts the server. The
// caller must Close it.
func StartServer(opts Options) (*Server, error) {
	for _, b := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(binDir, b)); err != nil {
			return nil, fmt.Errorf("pgtest: PostgreSQL 15 is not installed (apt-get install postgresql): %w", err)
		}
	}
	// os.MkdirTemp makes the dir 0700 and owned by us; the server's uid
	// must own it (postgres wants its data dir 0700 and its own).
	dir, err := os.MkdirTemp("", "ampel-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, opts: opts}
	if err := s.init(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// A port found free may be taken before the server binds it: try a
	// few.
	for range 5 {
		if s.port, err = freePort(); err != nil {
			break
		}
		if err = s.Start(); err == nil {
			return s, nil
		}
	}
	os.RemoveAll(dir)
	return nil, err
}

func (s *Server) init() error {
	if os.Geteuid() == 0 {
		if err := os.Chown(s.dir, nobody, nobody); err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
	}
	cmd := s.command("initdb", "-D", s.dataDir(), "-U", "ampel", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	return nil
}

// command runs a PostgreSQL binary, as nobody when we are root.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// The server dies with the test binary, even when it is killed
		// before it can stop the server.
		Pdeathsig: syscall.SIGQUIT,
	}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: nobody, Gid: nobody}
	}
	return cmd
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

// Start starts the stopped server and waits until it accepts
// connections. Starting a running server does nothing.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	fsync := "off"
	if s.opts.Fsync {
		fsync = "on"
	}
	log, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer log.Close()
	// The server's time zone is not UTC on purpose: no query of ours may
	// depend on it.
	cmd := s.command("postgres", "-D", s.dataDir(), "-p", strconv.Itoa(s.port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync="+fsync,
		"-c", "full_page_writes="+fsync, "-c", "max_connections=200",
		"-c", "timezone=Pacific/Chatham", "-c", "log_min_messages=warning")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	exit := make(chan struct{})
	go func() { cmd.Wait(); close(exit) }()
	if err := s.waitReady(exit); err != nil {
		cmd.Process.Signal(syscall.SIGQUIT)
		<-exit
		return err
	}
	s.cmd, s.exit = cmd, exit
	return nil
}

// waitReady waits until the server answers a connection, for at most 30s.
func (s *Server) waitReady(exit <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		cctx, ccancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgx.Connect(cctx, s.DSN("postgres"))
		ccancel()
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		last = err
		select {
		case <-exit:
			return fmt.Errorf("pgtest: postgres exited at start: %s", s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("pgtest: postgres not ready after 30s: %w: %s", last, s.logTail())
		case <-tick.C:
		}
	}
}

// logTail returns the end of the server's log, for errors.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Stop shuts the server down (fast mode: open sessions are cut, as in an
// outage) and waits until it has exited. Stopping a stopped server does
// nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exit:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Signal(syscall.SIGQUIT)
		<-s.exit
	}
	s.cmd, s.exit = nil, nil
	return nil
}

// Close stops the server and removes its files.
func (s *Server) Close() error {
	err := s.Stop()
	return errors.Join(err, os.RemoveAll(s.dir))
}

// Port returns the server's TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// DSN returns a libpq URL for database db as the superuser ampel over TCP.
func (s *Server) DSN(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("ampel"),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), Path: "/" + db,
		RawQuery: "sslmode=disable"}
	return u.String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
