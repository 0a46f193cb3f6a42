package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// DefaultTimeout bounds one connection to the mail server (dial, TLS, every
// command), so a silent server cannot hold a send forever.
const DefaultTimeout = 30 * time.Second

// Config is what a Mailer needs.
type Config struct {
	// SMTP is the server. SMTP.Password is used for AUTH, and only when
	// SMTP.Username is set.
	SMTP nut.SMTP
	// To receives every message.
	To []string
	// Subject is the subject template (%d, %h); "" means DefaultSubject.
	Subject string
	// Events are the event names that send mail (settings' emailevents).
	Events []string
	// UPS names the UPS in the test message.
	UPS string
	// Hostname is %h and the "Computer" line; "" means os.Hostname().
	Hostname string
	// Timeout bounds one connection; 0 means DefaultTimeout.
	Timeout time.Duration
	// RootCAs replaces the system's roots when verifying the server's
	// certificate. Tests only: production leaves it nil.
	RootCAs *x509.CertPool
}

// FromSettings makes the Config that the settings describe; password is the
// SMTP password from the keyring.
func FromSettings(s nut.Settings, password string) Config {
	smtp := s.SMTP
	smtp.Password = password
	return Config{
		SMTP:    smtp,
		To:      slices.Clone(s.ToEmail),
		Subject: s.Subject,
		Events:  slices.Clone(s.EmailEvents),
		UPS:     s.Identifier,
	}
}

// MailerFromSettings is NewMailer(FromSettings(s, password)), or nil (and no
// error) when email notification is off in s.
func MailerFromSettings(s nut.Settings, password string) (*Mailer, error) {
	if !s.EmailNotify {
		return nil, nil
	}
	return NewMailer(FromSettings(s, password))
}

// Mailer sends events as mail. It holds no connection: each Send dials,
// sends one message to every recipient, and hangs up. Safe for concurrent use.
type Mailer struct {
	cfg    Config
	port   int
	events map[string]bool
}

// DefaultPort is the port used when the settings leave it 0: 25 for plain
// SMTP, 587 for STARTTLS (submission), 465 for implicit TLS (SMTPS).
func DefaultPort(tlsMode string) int {
	switch tlsMode {
	case nut.TLSStartTLS:
		return 587
	case nut.TLSImplicit:
		return 465
	}
	return 25
}

// NewMailer checks cfg and makes a Mailer. Its errors name the field at fault.
func NewMailer(cfg Config) (*Mailer, error) {
	s := cfg.SMTP
	if strings.TrimSpace(s.Host) == "" {
		return nil, errors.New("smtp.host: required")
	}
	switch s.TLS {
	case nut.TLSNone, nut.TLSStartTLS, nut.TLSImplicit:
	case "":
		cfg.SMTP.TLS = nut.TLSNone
	default:
		return nil, fmt.Errorf("smtp.tls: %q is not one of none, starttls, tls", s.TLS)
	}
	port := s.Port
	if port == 0 {
		port = DefaultPort(cfg.SMTP.TLS)
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("smtp.port: %d is not in 1-65535", s.Port)
	}
	if strings.TrimSpace(s.From) == "" {
		return nil, errors.New("smtp.from: required")
	}
	if err := mail.NewMsg().From(s.From); err != nil {
		return nil, fmt.Errorf("smtp.from: %q is not a mail address", s.From)
	}
	if len(cfg.To) == 0 {
		return nil, errors.New("toemail: at least one address is required")
	}
	for _, to := range cfg.To {
		if err := mail.NewMsg().To(to); err != nil {
			return nil, fmt.Errorf("toemail: %q is not a mail address", to)
		}
	}
	if cfg.Subject == "" {
		cfg.Subject = DefaultSubject
	}
	if cfg.Hostname == "" {
		cfg.Hostname, _ = os.Hostname()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	cfg.To = slices.Clone(cfg.To)
	m := &Mailer{cfg: cfg, port: port, events: map[string]bool{}}
	for _, e := range cfg.Events {
		m.events[strings.ToUpper(strings.TrimSpace(e))] = true
	}
	return m, nil
}

// Wants reports whether the event name is selected for mail.
func (m *Mailer) Wants(name string) bool { return m.events[name] }

// Server is "host:port (tls mode)" for messages; it never holds the password.
func (m *Mailer) Server() string {
	return net.JoinHostPort(m.cfg.SMTP.Host, strconv.Itoa(m.port)) + " (" + m.cfg.SMTP.TLS + ")"
}

// Send mails e to every recipient, whatever the selection (the Queue
// filters). An error carries the server's reply, e.g. "554 5.7.1 relaying
// denied", and never the password.
func (m *Mailer) Send(ctx context.Context, e Event) error {
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	title, body := TextOn(e, m.cfg.Hostname)
	return m.send(ctx, t, title+"\n\n"+body)
}

// SendTest mails the test message of `nutmeg test-email` to every recipient.
func (m *Mailer) SendTest(ctx context.Context) error {
	body := testTitle + "\n\n" +
		fill(testSentence, "host", m.cfg.Hostname, "ups", m.cfg.UPS) + "\n" +
		fill(testDetails, "server", net.JoinHostPort(m.cfg.SMTP.Host, strconv.Itoa(m.port)), "tls", m.cfg.SMTP.TLS) + "\n"
	return m.send(ctx, time.Now(), body)
}

func (m *Mailer) send(ctx context.Context, t time.Time, body string) error {
	msg := mail.NewMsg()
	if err := msg.From(m.cfg.SMTP.From); err != nil {
		return fmt.Errorf("smtp.from: %w", err)
	}
	if err := msg.To(m.cfg.To...); err != nil {
		return fmt.Errorf("toemail: %w", err)
	}
	msg.Subject(Subject(m.cfg.Subject, t, m.cfg.Hostname))
	msg.SetDateWithValue(t)
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, body)

	// go-mail honours ctx only while dialling; a server that stalls later
	// would hold the caller for the whole timeout. Close the connection when
	// ctx ends, so cancelling the Queue (or the command) stops at once.
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	defer stop()
	tlsCfg := m.tlsConfig()
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		raw, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		conns = append(conns, raw)
		mu.Unlock()
		if m.cfg.SMTP.TLS != nut.TLSImplicit {
			return raw, nil
		}
		// Implicit TLS (SMTPS): the handshake comes first. The *tls.Conn is
		// what tells go-mail that the session is encrypted.
		tc := tls.Client(raw, tlsCfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			raw.Close()
			return nil, err
		}
		return tc, nil
	}

	c, err := mail.NewClient(m.cfg.SMTP.Host, append(m.options(tlsCfg), mail.WithDialContextFunc(dial))...)
	if err != nil {
		return m.fail(err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("send mail via %s: %w", m.Server(), ctx.Err())
		}
		return m.fail(err)
	}
	return nil
}

// affectedID is go-mail's note of the message ID, noise in a log line.
var affectedID = regexp.MustCompile(`, affected message ID: <[^>]*>`)

// fail words a failure as "send mail via host:port (mode): <what failed>:
// 554 5.7.1 relaying denied": the server's reply as it sent it (go-mail
// quotes it), without go-mail's dial/send prefix and message ID. The password
// never travels in it, even if a server or a library echoed it.
func (m *Mailer) fail(err error) error {
	msg := quotedReply.ReplaceAllStringFunc(err.Error(), func(r string) string {
		if text, uerr := strconv.Unquote(r[4:]); uerr == nil {
			return r[:4] + text
		}
		return r
	})
	msg = affectedID.ReplaceAllString(msg, "")
	msg = strings.TrimPrefix(strings.TrimPrefix(msg, "dial failed: "), "send failed: ")
	msg = "send mail via " + m.Server() + ": " + msg
	if pw := m.cfg.SMTP.Password; pw != "" {
		msg = strings.ReplaceAll(msg, pw, "[password]")
	}
	code := 0
	var te *textproto.Error
	var se *mail.SendError
	switch {
	case errors.As(err, &te):
		code = te.Code
	case errors.As(err, &se):
		code = se.ErrorCode()
	}
	return &SendError{Code: code, msg: msg, err: err}
}

// quotedReply is a server reply as net/textproto prints it: 554 "5.7.1 ...".
var quotedReply = regexp.MustCompile(`\b[2-5][0-9][0-9] "(?:[^"\\]|\\.)*"`)

// SendError is a failed Send. Its message carries the server's reason and
// never the password. Code is the server's reply code (0 when the failure
// was not a reply, e.g. a refused connection or a bad certificate).
type SendError struct {
	Code int
	msg  string
	err  error
}

func (e *SendError) Error() string { return e.msg }

// Is lets errors.Is see context cancellation and deadlines through it.
func (e *SendError) Is(target error) bool {
	return (target == context.Canceled || target == context.DeadlineExceeded) && errors.Is(e.err, target)
}

func (m *Mailer) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName: m.cfg.SMTP.Host,
		RootCAs:    m.cfg.RootCAs, // nil: the system's roots
		MinVersion: tls.VersionTLS12,
	}
}

func (m *Mailer) options(tlsCfg *tls.Config) []mail.Option {
	s := m.cfg.SMTP
	opts := []mail.Option{
		mail.WithPort(m.port),
		mail.WithTimeout(m.cfg.Timeout),
		mail.WithTLSConfig(tlsCfg),
	}
	switch s.TLS {
	case nut.TLSStartTLS:
		// Mandatory: a server without STARTTLS is an error, never a silent
		// fall back to clear text.
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case nut.TLSImplicit:
		opts = append(opts, mail.WithSSL(), mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if s.Username != "" {
		// PLAIN or LOGIN, whichever the server offers (PLAIN first). go-mail
		// refuses both over an unencrypted connection except to localhost,
		// so "none" never sends the password in clear over the network.
		opts = append(opts,
			mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin),
			mail.WithUsername(s.Username),
			mail.WithPassword(s.Password))
	}
	return opts
}
