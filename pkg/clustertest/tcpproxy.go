package clustertest

import (
	"fmt"
	"net"
	"sync"
)

// Proxy is a TCP proxy on loopback in front of one target, used to cut a
// node from PostgreSQL as a network partition would. Paused, it accepts
// connections but forwards nothing, new or old: bytes are held, not
// refused, as on a link that went silent. Drop resets every open
// connection. Its methods are safe for concurrent use.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	paused  bool
	resumed chan struct{}           // closed by Resume; replaced by Pause. Guarded by mu.
	conns   map[*proxyConn]struct{} // open pairs. Guarded by mu.
	closed  bool                    // Guarded by mu.

	wg sync.WaitGroup // the accept loop and every pair's pipes
}

// proxyConn is one client connection and, once dialled, its target side.
type proxyConn struct {
	client net.Conn
	done   chan struct{} // closed when the pair is torn down
	once   sync.Once

	mu     sync.Mutex
	target net.Conn // nil until dialled. Guarded by mu.
}

// StartProxy listens on a free loopback port and forwards every
// connection to target (host:port).
func StartProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("clustertest: proxy listen: %w", err)
	}
	resumed := make(chan struct{})
	close(resumed)
	p := &Proxy{ln: ln, target: target, resumed: resumed, conns: map[*proxyConn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port on 127.0.0.1.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Pause holds all traffic: new connections are accepted but not dialled
// through, and bytes on open ones wait, until Resume.
func (p *Proxy) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.paused {
		p.paused = true
		p.resumed = make(chan struct{})
	}
}

// Resume lets held and new traffic through again.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		p.paused = false
		close(p.resumed)
	}
}

// Drop resets every open connection (both sides). New connections are
// still accepted (and held, while paused).
func (p *Proxy) Drop() {
	p.mu.Lock()
	conns := make([]*proxyConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

// Conns is the number of open client connections.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Close stops listening, resets every connection and waits for the
// proxy's goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.Drop()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		c := &proxyConn{client: client, done: make(chan struct{})}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			client.Close()
			return
		}
		p.conns[c] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go p.serve(c)
	}
}

// serve dials the target once traffic may flow and pipes both ways until
// either side ends or the pair is dropped.
func (p *Proxy) serve(c *proxyConn) {
	defer p.wg.Done()
	defer func() {
		c.close()
		p.mu.Lock()
		delete(p.conns, c)
		p.mu.Unlock()
	}()
	if !p.wait(c) {
		return
	}
	target, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	c.mu.Lock()
	c.target = target
	c.mu.Unlock()
	select {
	case <-c.done: // dropped while dialling
		target.Close()
		return
	default:
	}
	var pipes sync.WaitGroup
	pipes.Add(2)
	go func() { defer pipes.Done(); p.pipe(c, target, c.client) }()
	go func() { defer pipes.Done(); p.pipe(c, c.client, target) }()
	pipes.Wait()
}

// pipe copies src to dst, holding each chunk while the proxy is paused.
// Either direction ending ends the pair.
func (p *Proxy) pipe(c *proxyConn, dst, src net.Conn) {
	defer c.close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait(c) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// wait blocks while the proxy is paused; false when the pair was dropped
// meanwhile.
func (p *Proxy) wait(c *proxyConn) bool {
	for {
		p.mu.Lock()
		paused, resumed := p.paused, p.resumed
		p.mu.Unlock()
		if !paused {
			select {
			case <-c.done:
				return false
			default:
				return true
			}
		}
		select {
		case <-resumed:
		case <-c.done:
			return false
		}
	}
}

// close resets both sides (SO_LINGER 0: an RST, as a broken link gives
// the peer, not a polite FIN) and releases waiting pipes.
func (c *proxyConn) close() {
	c.once.Do(func() {
		close(c.done)
		reset(c.client)
		c.mu.Lock()
		if c.target != nil {
			reset(c.target)
		}
		c.mu.Unlock()
	})
}

func reset(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}
