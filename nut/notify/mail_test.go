package notify

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/notify/smtptest"
)

const (
	testUser = "mailer@example.com"
	testPass = "s3cret-Pa55word!"
)

// testContext is a context that ends with the test.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

// mailerFor makes a Mailer that talks to d.
func mailerFor(t *testing.T, d *smtptest.Server, tlsMode, user, pass string, to ...string) *Mailer {
	t.Helper()
	if len(to) == 0 {
		to = []string{"admin@example.com"}
	}
	m, err := NewMailer(Config{
		SMTP: nut.SMTP{Host: d.Host, Port: d.Port, TLS: tlsMode, Username: user, From: "nutmeg@example.com",
			Password: pass},
		To:       to,
		Subject:  "[%h] UPS at %d",
		Events:   []string{"ONBATT", "LOWBATT", "FSD"},
		UPS:      "rack-ups",
		Hostname: "office-pc",
		Timeout:  10 * time.Second,
		RootCAs:  d.Pool,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var onbatt = Event{
	Time: when, Name: "ONBATT", UPS: "rack-ups",
	Status: &client.Status{Flags: map[string]bool{"OB": true, "DISCHRG": true},
		Charge: client.Known(64), Load: client.Known(23), InputVoltage: client.Known(0.5)},
}

func TestSendModes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    string
		mechs   []string
		user    string
		pass    string
		wantTLS bool
	}{
		{"none, no auth", nut.TLSNone, nil, "", "", false},
		{"none, PLAIN to localhost", nut.TLSNone, []string{sasl.Plain}, testUser, testPass, false},
		{"starttls, PLAIN", nut.TLSStartTLS, []string{sasl.Plain}, testUser, testPass, true},
		{"starttls, LOGIN only", nut.TLSStartTLS, []string{sasl.Login}, testUser, testPass, true},
		{"starttls, no auth", nut.TLSStartTLS, nil, "", "", true},
		{"implicit tls, PLAIN", nut.TLSImplicit, []string{sasl.Plain, sasl.Login}, testUser, testPass, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := (&smtptest.Server{Mode: tc.mode, User: tc.user, Pass: tc.pass, Mechs: tc.mechs}).Start(t)
			to := []string{"a@example.com", "b@example.org", "c@example.net"}
			m := mailerFor(t, d, tc.mode, tc.user, tc.pass, to...)
			if err := m.Send(testContext(t), onbatt); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := d.WaitMessages(1)
			if len(got) != 1 {
				t.Fatalf("%d messages arrived, want 1", len(got))
			}
			r := got[0]
			if r.TLS != tc.wantTLS {
				t.Errorf("encrypted = %v, want %v", r.TLS, tc.wantTLS)
			}
			if r.User != tc.user {
				t.Errorf("authenticated as %q, want %q", r.User, tc.user)
			}
			if r.From != "nutmeg@example.com" {
				t.Errorf("MAIL FROM %q", r.From)
			}
			if !slices.Equal(r.Rcpt, to) {
				t.Errorf("RCPT TO %v, want %v", r.Rcpt, to)
			}
			for _, a := range to {
				if !strings.Contains(r.To, a) {
					t.Errorf("To header %q lacks %s", r.To, a)
				}
			}
			if want := "[office-pc] UPS at 2026-11-25 14:31:21 +0100"; r.Subject != want {
				t.Errorf("Subject %q, want %q", r.Subject, want)
			}
			for _, w := range []string{
				"UPS on battery\n",
				"The UPS rack-ups has lost line power and is running on battery.",
				"Battery charge: 64 %\n",
				"Runtime left:   unknown\n",
				"Load:           23 %\n",
				"Input voltage:  0.5 V\n",
				"Computer:       office-pc\n",
			} {
				if !strings.Contains(r.Body, w) {
					t.Errorf("body lacks %q:\n%s", w, r.Body)
				}
			}
			if strings.Contains(r.Body, testPass) || strings.Contains(r.Subject, testPass) {
				t.Error("the password is in the message")
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    *smtptest.Server
		mode string // the Mailer's mode
		pass string
		// trust: the Mailer trusts the test CA
		noTrust bool
		want    []string // in the error
		noAuth  bool     // the server must not have seen AUTH (password not sent)
		code    int      // SendError.Code
	}{
		{
			name: "wrong password", d: &smtptest.Server{Mode: "starttls", User: testUser, Pass: testPass},
			mode: nut.TLSStartTLS, pass: "wrong-" + testPass,
			want: []string{"SMTP AUTH failed: 535 5.7.8 Authentication failed"}, code: 535,
		},
		{
			name: "relaying denied", d: &smtptest.Server{Mode: "tls", RefuseMail: &smtp.SMTPError{Code: 554,
				EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "relaying denied"}},
			mode: nut.TLSImplicit,
			want: []string{"MAIL FROM command: 554 5.7.1 relaying denied"}, code: 554,
		},
		{
			name: "starttls is mandatory", d: &smtptest.Server{Mode: "none"},
			mode: nut.TLSStartTLS,
			want: []string{"STARTTLS"},
		},
		{
			name: "untrusted certificate", d: &smtptest.Server{Mode: "tls"},
			mode: nut.TLSImplicit, noTrust: true,
			want: []string{"certificate"},
		},
		{
			name: "implicit tls to a plain server", d: &smtptest.Server{Mode: "none"},
			mode: nut.TLSImplicit,
		},
		{
			// 127.0.0.2 is loopback but not "localhost" to go-mail: a stand-in
			// for a server across the network. PLAIN in clear is refused
			// before the password leaves.
			name: "no clear-text password over the network",
			d:    &smtptest.Server{Mode: "none", IP: "127.0.0.2", User: testUser, Pass: testPass},
			mode: nut.TLSNone, pass: testPass,
			want: []string{"unencrypted"}, noAuth: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d.Start(t)
			pool := d.Pool
			if tc.noTrust {
				d.Pool = nil
			}
			user := ""
			if tc.pass != "" {
				user = testUser
			}
			m := mailerFor(t, d, tc.mode, user, tc.pass)
			d.Pool = pool
			err := m.Send(testContext(t), onbatt)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			msg := err.Error()
			if strings.Contains(msg, testPass) {
				t.Fatal("the error carries the password")
			}
			t.Logf("error: %s", msg)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if !strings.Contains(msg, d.Host) {
				t.Errorf("error %q does not name the server", msg)
			}
			if strings.Contains(msg, testPass) {
				t.Error("the error carries the password")
			}
			var se *SendError
			if !errors.As(err, &se) || se.Code != tc.code {
				t.Errorf("error %#v, want a SendError with code %d", err, tc.code)
			}
			if tc.noAuth && d.AuthCount() != 0 {
				t.Errorf("server saw %d AUTH attempts", d.AuthCount())
			}
			if n := len(d.Messages()); n != 0 {
				t.Errorf("%d messages arrived", n)
			}
		})
	}
}

func TestNewMailerRejects(t *testing.T) {
	good := Config{SMTP: nut.SMTP{Host: "mail.example.com", TLS: "starttls", From: "ups@example.com"},
		To: []string{"a@example.com"}}
	for _, tc := range []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"no host", func(c *Config) { c.SMTP.Host = " " }, "smtp.host"},
		{"bad tls", func(c *Config) { c.SMTP.TLS = "ssl" }, "smtp.tls"},
		{"bad port", func(c *Config) { c.SMTP.Port = 70000 }, "smtp.port"},
		{"no from", func(c *Config) { c.SMTP.From = "" }, "smtp.from"},
		{"bad from", func(c *Config) { c.SMTP.From = "not an address" }, "smtp.from"},
		{"no recipients", func(c *Config) { c.To = nil }, "toemail"},
		{"bad recipient", func(c *Config) { c.To = []string{"a@example.com", "nope"} }, "toemail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			c.SMTP = good.SMTP
			c.To = slices.Clone(good.To)
			tc.edit(&c)
			_, err := NewMailer(c)
			if err == nil || !strings.HasPrefix(err.Error(), tc.field+":") {
				t.Errorf("error %v, want one naming %s", err, tc.field)
			}
		})
	}
	m, err := NewMailer(good)
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Server(); s != "mail.example.com:587 (starttls)" {
		t.Errorf("default port: %s", s)
	}
}

func TestFromSettings(t *testing.T) {
	s := nut.Settings{Identifier: "ups", ToEmail: []string{"a@example.com"}, Subject: "%h",
		EmailEvents: []string{"ONBATT"}, SMTP: nut.SMTP{Host: "h", TLS: "tls", From: "f@example.com"}}
	c := FromSettings(s, "pw")
	if c.SMTP.Password != "pw" || c.SMTP.Host != "h" || c.UPS != "ups" || c.Subject != "%h" ||
		!slices.Equal(c.To, s.ToEmail) || !slices.Equal(c.Events, s.EmailEvents) {
		t.Errorf("FromSettings = %+v", c)
	}
	if s.SMTP.Password != "" {
		t.Error("FromSettings wrote the password into the settings")
	}

	if m, err := MailerFromSettings(s, "pw"); m != nil || err != nil {
		t.Errorf("mail off: MailerFromSettings = %v, %v; want nil, nil", m, err)
	}
	s.EmailNotify = true
	m, err := MailerFromSettings(s, "pw")
	if err != nil || !m.Wants("ONBATT") || m.Wants("ONLINE") || m.Server() != "h:465 (tls)" {
		t.Errorf("mail on: MailerFromSettings = %+v, %v", m, err)
	}
	var q *Queue
	if q.Enqueue(Event{Name: "ONBATT"}) {
		t.Error("a nil Queue took an event")
	}
}

func TestSendTest(t *testing.T) {
	d := (&smtptest.Server{Mode: "starttls", User: testUser, Pass: testPass}).Start(t)
	m := mailerFor(t, d, nut.TLSStartTLS, testUser, testPass, "x@example.com", "y@example.com")
	m.cfg.Subject = "Stromausfall ⚡ %h 100%%"
	if err := m.SendTest(testContext(t)); err != nil {
		t.Fatal(err)
	}
	r := d.WaitMessages(1)[0]
	if !slices.Equal(r.Rcpt, []string{"x@example.com", "y@example.com"}) {
		t.Errorf("RCPT %v", r.Rcpt)
	}
	if r.Subject != "Stromausfall ⚡ office-pc 100%" {
		t.Errorf("subject %q", r.Subject)
	}
	if !strings.Contains(r.Body, "test message from Nutmeg on office-pc") || !strings.Contains(r.Body, "rack-ups") {
		t.Errorf("body %q", r.Body)
	}
}
