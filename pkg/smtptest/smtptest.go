// Package smtptest runs a real SMTP server on loopback for tests, built on
// emersion/go-smtp with AUTH through go-sasl (PLAIN and OAUTHBEARER). It
// collects what it accepts and can be told to fail: refuse a recipient
// with a code, answer every message with a code, or stall.
package smtptest

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Credentials the server accepts.
const (
	User     = "ampel"
	Password = "s3cret"
	Token    = "oauth-token"
)

// Message is one accepted mail.
type Message struct {
	From string
	To   []string
	Data []byte
	// Mech is the AUTH mechanism the session used.
	Mech string
}

// Server is a running test server. Its methods are safe for concurrent use.
type Server struct {
	srv *smtp.Server
	ln  net.Listener

	mu        sync.Mutex
	msgs      []Message
	rejects   map[string]*smtp.SMTPError // by recipient
	dataErr   *smtp.SMTPError            // answered to every DATA while set
	stall     chan struct{}              // non-nil: DATA waits for it to close
	delay     time.Duration              // before answering each DATA
	headOnly  bool                       // keep only the header of accepted mails
	sessions  int
	receiving int           // DATA commands begun
	changed   chan struct{} // closed and replaced whenever msgs grows
}

// Start listens on addr ("127.0.0.1:0" for any port) and serves until
// Close.
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return serve(ln, nil), nil
}

// StartTLS is Start with TLS: implicit TLS from the first byte when
// implicit is set, else STARTTLS offered on a plain connection.
func StartTLS(addr string, cfg *tls.Config, implicit bool) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if implicit {
		return serve(tls.NewListener(ln, cfg), nil), nil
	}
	return serve(ln, cfg), nil
}

func serve(ln net.Listener, starttls *tls.Config) *Server {
	s := &Server{ln: ln, rejects: map[string]*smtp.SMTPError{}, changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &session{s: s}, nil
	}))
	s.srv.Domain = "localhost"
	// A client hanging up mid-session (a killed sender) is part of the
	// tests, not news.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.TLSConfig = starttls
	go s.srv.Serve(ln)
	return s
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Close stops the server, releasing stalled sessions.
func (s *Server) Close() error {
	s.Stall(false)
	// Closing the listener ourselves covers a Close before Serve took it.
	s.ln.Close()
	return s.srv.Close()
}

// Reject makes RCPT TO addr fail with code (0 accepts it again).
func (s *Server) Reject(addr string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.rejects, addr)
		return
	}
	s.rejects[addr] = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "refused by test"}
}

// FailData makes every DATA fail with code (0 accepts again).
func (s *Server) FailData(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataErr = nil
	if code != 0 {
		s.dataErr = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "try again later"}
	}
}

// Stall makes DATA hang without an answer until Stall(false).
func (s *Server) Stall(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case on && s.stall == nil:
		s.stall = make(chan struct{})
	case !on && s.stall != nil:
		close(s.stall)
		s.stall = nil
	}
}

// Delay makes the server take d before it answers each DATA: a slow
// server, so that a test can stop a sender part way through a run.
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// KeepHeadersOnly makes the server keep only the header of each mail
// it accepts, so that a benchmark of many mails measures the sender's
// memory rather than the mailbox's.
func (s *Server) KeepHeadersOnly() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.headOnly = true
}

// Messages returns the accepted mails so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// Receiving counts the DATA commands begun, accepted or not: a sender
// has a message in flight once it grows.
func (s *Server) Receiving() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.receiving
}

// Sessions counts the connections the server took.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Wait blocks until at least n mails were accepted or the timeout passed,
// and returns the mails.
func (s *Server) Wait(n int, timeout time.Duration) []Message {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, ch := slices.Clone(s.msgs), s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline:
			return got
		}
	}
}

func (s *Server) accept(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	close(s.changed)
	s.changed = make(chan struct{})
}
