package clustertest

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// echoServer is a loopback TCP server that echoes every line back and
// counts the connections it accepted.
func echoServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var accepted atomic.Int64
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() {
				defer conn.Close()
				io.Copy(conn, conn)
			}()
		}
	}()
	return ln.Addr().String(), &accepted
}

func startProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := StartProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, bufio.NewReader(conn)
}

// roundTrip writes line and reads its echo within d.
func roundTrip(conn net.Conn, r *bufio.Reader, line string, d time.Duration) (string, error) {
	conn.SetDeadline(time.Now().Add(d))
	defer conn.SetDeadline(time.Time{})
	if _, err := io.WriteString(conn, line+"\n"); err != nil {
		return "", err
	}
	got, err := r.ReadString('\n')
	return got[:max(len(got)-1, 0)], err
}

// held is how long a test watches for bytes that must not come while the
// proxy is paused: an assertion that nothing happens, not a wait for
// something to happen.
const held = 300 * time.Millisecond

func TestProxyForwards(t *testing.T) {
	target, _ := echoServer(t)
	p := startProxy(t, target)
	conn, r := dial(t, p.Addr())
	for _, line := range []string{"one", "two"} {
		if got, err := roundTrip(conn, r, line, 5*time.Second); err != nil || got != line {
			t.Fatalf("echo of %q: %q, %v", line, got, err)
		}
	}
}

// Paused, an open connection's bytes are held (not lost, not refused)
// and arrive once the proxy resumes.
func TestProxyPauseHoldsOpenConnections(t *testing.T) {
	target, _ := echoServer(t)
	p := startProxy(t, target)
	conn, r := dial(t, p.Addr())
	if _, err := roundTrip(conn, r, "before", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Pause()
	if got, err := roundTrip(conn, r, "during", held); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("paused proxy passed %q (%v)", got, err)
	}
	p.Resume()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := r.ReadString('\n')
	if err != nil || got != "during\n" {
		t.Fatalf("after resume: %q, %v", got, err)
	}
}

// Paused, a new connection is accepted but never reaches the target until
// the proxy resumes: the client sees a silent peer, as behind a cut link.
func TestProxyPauseHoldsNewConnections(t *testing.T) {
	target, accepted := echoServer(t)
	p := startProxy(t, target)
	p.Pause()
	conn, r := dial(t, p.Addr())
	if got, err := roundTrip(conn, r, "hello", held); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("paused proxy passed %q (%v)", got, err)
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the target saw %d connections while the proxy was paused", n)
	}
	p.Resume()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := r.ReadString('\n'); err != nil || got != "hello\n" {
		t.Fatalf("after resume: %q, %v", got, err)
	}
	if n := accepted.Load(); n != 1 {
		t.Fatalf("the target saw %d connections, want 1", n)
	}
}

// Drop resets every open connection, paused or not; new connections
// work afterwards.
func TestProxyDrop(t *testing.T) {
	target, _ := echoServer(t)
	p := startProxy(t, target)
	conn, r := dial(t, p.Addr())
	if _, err := roundTrip(conn, r, "before", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Pause()
	heldConn, heldR := dial(t, p.Addr())
	io.WriteString(heldConn, "held\n")
	waitConns(t, p, 2)
	p.Drop()
	for name, c := range map[string]struct {
		conn net.Conn
		r    *bufio.Reader
	}{"open": {conn, r}, "held": {heldConn, heldR}} {
		c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if got, err := c.r.ReadString('\n'); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%s connection after Drop: read %q, %v; want it reset", name, got, err)
		}
	}
	waitConns(t, p, 0)
	p.Resume()
	conn2, r2 := dial(t, p.Addr())
	if got, err := roundTrip(conn2, r2, "after", 5*time.Second); err != nil || got != "after" {
		t.Fatalf("new connection after Drop: %q, %v", got, err)
	}
}

// Close ends everything, also connections held by a pause, and returns.
func TestProxyCloseWhilePaused(t *testing.T) {
	target, _ := echoServer(t)
	p, err := StartProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	p.Pause()
	conn, r := dial(t, p.Addr())
	io.WriteString(conn, "held\n")
	waitConns(t, p, 1)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadString('\n'); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection after Close: %v, want it reset", err)
	}
	if _, err := net.Dial("tcp", p.Addr()); err == nil {
		t.Fatal("closed proxy still accepts")
	}
}

func waitConns(t *testing.T, p *Proxy, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.Conns() != want {
		if time.Now().After(deadline) {
			t.Fatalf("proxy has %d connections, want %d", p.Conns(), want)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
	}
}
