package connlimit

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Key is the address a limit counts a client by: an IPv4 address whole,
// an IPv6 address by its /64, which one client usually holds whole.
// Anything that is not an IP address is its own key.
func Key(addr string) string {
	ip := net.ParseIP(addr)
	if ip == nil {
		return addr
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// Listener accepts at most Max connections at once, and at most PerClient
// from one peer address (see Key) unless the peer is a trusted proxy,
// whose connections carry many clients. A connection past a cap is
// answered "503 Service Unavailable" with Retry-After and closed at once,
// so a flood costs the server a descriptor for a moment, never for long.
type Listener struct {
	net.Listener
	max, perClient int
	trusted        []*net.IPNet

	mu     sync.Mutex
	open   int            // guarded by mu
	byPeer map[string]int // open connections per peer key; guarded by mu

	refused atomic.Int64
	// refusing bounds the goroutines that answer refused connections;
	// past it they are closed without an answer.
	refusing chan struct{}
}

// NewListener limits ln to max connections in all and perClient per
// peer, except peers within trusted.
func NewListener(ln net.Listener, max, perClient int, trusted []*net.IPNet) *Listener {
	return &Listener{
		Listener: ln, max: max, perClient: perClient, trusted: trusted,
		byPeer: map[string]int{}, refusing: make(chan struct{}, maxRefusing),
	}
}

// maxRefusing bounds refusals being answered at once; the descriptor
// budget's reserve covers them.
const maxRefusing = 64

// Accept returns the next connection within the caps.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := l.peerKey(c)
		if l.take(key) {
			return &conn{Conn: c, release: func() { l.release(key) }}, nil
		}
		l.refused.Add(1)
		l.refuse(c)
	}
}

// Open is how many accepted connections are open.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Refused is how many connections were refused since the start.
func (l *Listener) Refused() int64 { return l.refused.Load() }

// peerKey is the peer's key, or "" for a trusted proxy (no per-client
// cap).
func (l *Listener) peerKey(c net.Conn) string {
	addr, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return c.RemoteAddr().String()
	}
	for _, n := range l.trusted {
		if n.Contains(addr.IP) {
			return ""
		}
	}
	return Key(addr.IP.String())
}

func (l *Listener) take(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.max || (key != "" && l.byPeer[key] >= l.perClient) {
		return false
	}
	l.open++
	if key != "" {
		l.byPeer[key]++
	}
	return true
}

func (l *Listener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if key == "" {
		return
	}
	if l.byPeer[key]--; l.byPeer[key] <= 0 {
		delete(l.byPeer, key)
	}
}

// refusal is the whole answer to a refused connection.
const refusal = "HTTP/1.1 503 Service Unavailable\r\n" +
	"Retry-After: 5\r\n" +
	"Content-Type: application/json\r\n" +
	"Cache-Control: no-store\r\n" +
	"Connection: close\r\n" +
	"Content-Length: 48\r\n" +
	"\r\n" +
	`{"error":"too many connections; try again soon"}`

// refuseWait bounds how long a refusal may take.
const refuseWait = 250 * time.Millisecond

// refuse answers c with refusal and closes it, in the background. It
// reads the request's head first: closing a socket with unread data
// resets the connection, and the client may lose the answer with it.
// Past maxRefusing refusals at once, c is closed without an answer.
func (l *Listener) refuse(c net.Conn) {
	select {
	case l.refusing <- struct{}{}:
	default:
		c.Close()
		return
	}
	go func() {
		defer func() { <-l.refusing }()
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(refuseWait))
		var head []byte
		buf := make([]byte, 2048)
		for len(head) < 16<<10 && !bytes.Contains(head, []byte("\r\n\r\n")) {
			n, err := c.Read(buf)
			head = append(head, buf[:n]...)
			if err != nil {
				break
			}
		}
		_, _ = c.Write([]byte(refusal))
	}()
}

// conn gives its place back once, when closed.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
