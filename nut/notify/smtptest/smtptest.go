// Package smtptest is a real SMTP server (github.com/emersion/go-smtp) on a
// free loopback port for tests: plain, STARTTLS or implicit TLS with a
// self-signed certificate, optional AUTH PLAIN/LOGIN, and knobs to refuse or
// stall. It records every message that arrives.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Cert makes a self-signed certificate for 127.0.0.1 and localhost, and a
// pool that trusts it.
func Cert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "nutmeg test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("127.0.0.2")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// Message is one message as the server got it.
type Message struct {
	From    string
	Rcpt    []string
	TLS     bool   // the session was encrypted when MAIL came
	User    string // who authenticated ("" none)
	Subject string
	To      string // the To header
	Body    string // decoded
}

// Server records what arrives. The fields before Host configure it; Start
// fills in Host, Port and Pool.
type Server struct {
	Mode       string   // "none", "starttls", "tls"
	IP         string   // listen address; default 127.0.0.1
	User, Pass string   // require AUTH with these when User != ""
	Mechs      []string // AUTH mechanisms offered; default PLAIN
	// RefuseMail answers MAIL FROM when set. Stall, when set, makes MAIL
	// wait until it is closed (after signalling InMail).
	RefuseMail *smtp.SMTPError
	Stall      chan struct{}
	InMail     chan struct{}

	// Set by Start: where to connect, and a pool that trusts the
	// server's certificate (for the client's RootCAs).
	Host string
	Port int
	Pool *x509.CertPool

	t      testing.TB
	server *smtp.Server

	mu        sync.Mutex
	msgs      []Message
	mailTimes []time.Time // every MAIL FROM, refused or not
	auths     int         // AUTH attempts
	arrived   chan struct{}
}

func (d *Server) Start(t testing.TB) *Server {
	t.Helper()
	d.t = t
	d.arrived = make(chan struct{}, 1000)
	if d.IP == "" {
		d.IP = "127.0.0.1"
	}
	if len(d.Mechs) == 0 {
		d.Mechs = []string{sasl.Plain}
	}
	cert, pool := Cert(t)
	d.Pool = pool
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}}

	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{d: d, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.ErrorLog = nopLogger{}
	l, err := net.Listen("tcp", net.JoinHostPort(d.IP, "0"))
	if err != nil {
		t.Fatal(err)
	}
	switch d.Mode {
	case "none":
		s.AllowInsecureAuth = true
	case "starttls":
		s.TLSConfig = tlsCfg
	case "tls":
		l = tls.NewListener(l, tlsCfg)
	default:
		t.Fatalf("smtptest: mode %q is not none, starttls or tls", d.Mode)
	}
	d.server = s
	d.Host = d.IP
	d.Port = l.Addr().(*net.TCPAddr).Port
	go s.Serve(l)
	t.Cleanup(func() {
		if d.Stall != nil {
			select {
			case <-d.Stall:
			default:
				close(d.Stall)
			}
		}
		s.Close()
	})
	return d
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

// Messages is every message that arrived, in order.
func (d *Server) Messages() []Message {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Message(nil), d.msgs...)
}

// MailTimes is when each MAIL FROM came, refused or not.
func (d *Server) MailTimes() []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Time(nil), d.mailTimes...)
}

// MailCount is the number of MAIL FROM commands, refused or not.
func (d *Server) MailCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.mailTimes)
}

// AuthCount is the number of AUTH attempts.
func (d *Server) AuthCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.auths
}

// WaitMessages waits until n messages have arrived.
func (d *Server) WaitMessages(n int) []Message {
	d.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if m := d.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-d.arrived:
		case <-deadline:
			d.t.Fatalf("waited for %d messages, got %d", n, len(d.Messages()))
		}
	}
}

type session struct {
	d    *Server
	conn *smtp.Conn
	user string
	cur  Message
}

func (s *session) AuthMechanisms() []string {
	if s.d.User == "" {
		return nil
	}
	return s.d.Mechs
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	s.d.mu.Lock()
	s.d.auths++
	s.d.mu.Unlock()
	check := func(user, pass string) error {
		if user != s.d.User || pass != s.d.Pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	d := s.d
	d.mu.Lock()
	d.mailTimes = append(d.mailTimes, time.Now())
	d.mu.Unlock()
	if d.User != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	if d.Stall != nil {
		if d.InMail != nil {
			select {
			case d.InMail <- struct{}{}:
			default:
			}
		}
		<-d.Stall
	}
	if d.RefuseMail != nil {
		return d.RefuseMail
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.cur = Message{From: from, TLS: isTLS, User: s.user}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.Rcpt = append(s.cur.Rcpt, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	var dec mime.WordDecoder
	s.cur.Subject, err = dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return err
	}
	s.cur.To = m.Header.Get("To")
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(m.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	s.cur.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
	s.d.mu.Lock()
	s.d.msgs = append(s.d.msgs, s.cur)
	s.d.mu.Unlock()
	s.d.arrived <- struct{}{}
	return nil
}

func (s *session) Reset()        { s.cur = Message{} }
func (s *session) Logout() error { return nil }

// loginServer is the server side of SASL LOGIN (go-sasl has only the client).
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		if resp == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		l.user = string(resp)
		l.step = 2
		return []byte("Password:"), false, nil
	case 2:
		return nil, true, l.check(l.user, string(resp))
	}
	return nil, false, errors.New("unexpected LOGIN step")
}
