package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/notify/smtptest"
)

const testEmailPass = "Mail-Pa55-for-tests"

func TestTestEmail(t *testing.T) {
	type setup struct {
		edit    func(*nut.Settings)
		server  *smtptest.Server
		env     string // NUTMEG_SMTP_PASSWORD
		stdin   string
		args    []string
		noFile  bool
		wantRun bool // the server gets the message
	}
	for _, tc := range []struct {
		name string
		setup
		code int
		want string // in stdout+stderr
	}{
		{
			name:  "password from the environment",
			setup: setup{server: &smtptest.Server{User: "ups@example.com", Pass: testEmailPass}, env: testEmailPass, wantRun: true},
			code:  0, want: "Test message sent to a@example.com, b@example.org via 127.0.0.1:",
		},
		{
			name: "password from stdin",
			setup: setup{server: &smtptest.Server{User: "ups@example.com", Pass: testEmailPass},
				stdin: testEmailPass + "\n", args: []string{"--password-stdin"}, wantRun: true},
			code: 0, want: "Test message sent",
		},
		{
			name: "no authentication, mail off: sent with a note",
			setup: setup{edit: func(s *nut.Settings) { s.SMTP.Username = ""; s.EmailNotify = false },
				wantRun: true},
			code: 0, want: "email notification is off",
		},
		{
			name:  "wrong password: the server's reason",
			setup: setup{server: &smtptest.Server{User: "ups@example.com", Pass: testEmailPass}, env: "not-" + testEmailPass},
			code:  1, want: "535 5.7.8 Authentication failed",
		},
		{
			name: "refused: the server's reason",
			setup: setup{edit: func(s *nut.Settings) { s.SMTP.Username = "" },
				server: &smtptest.Server{RefuseMail: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
					Message: "relaying denied"}}},
			code: 1, want: "554 5.7.1 relaying denied",
		},
		{
			name:  "bad tls mode",
			setup: setup{edit: func(s *nut.Settings) { s.SMTP.TLS = "ssl" }, env: testEmailPass},
			code:  2, want: "smtp.tls",
		},
		{
			name:  "no recipients",
			setup: setup{edit: func(s *nut.Settings) { s.ToEmail = nil; s.EmailNotify = false }, env: testEmailPass},
			code:  2, want: "toemail",
		},
		{
			name:  "bad recipient",
			setup: setup{edit: func(s *nut.Settings) { s.ToEmail = []string{"a@example.com", "nobody"} }, env: testEmailPass},
			code:  2, want: "toemail[1]",
		},
		{
			name:  "no settings file",
			setup: setup{noFile: true, env: testEmailPass},
			code:  2, want: "set Nutmeg up first",
		},
		{
			name:  "unexpected argument",
			setup: setup{args: []string{"extra"}, env: testEmailPass},
			code:  2, want: `unexpected argument "extra"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.server
			if d == nil {
				d = &smtptest.Server{}
			}
			d.Mode = "none"
			d.Start(t)

			s := nut.Defaults()
			s.EmailNotify = true
			s.ToEmail = []string{"a@example.com", "b@example.org"}
			s.Subject = "Test from %h"
			s.SMTP = nut.SMTP{Host: d.Host, Port: d.Port, TLS: nut.TLSNone, Username: "ups@example.com", From: "ups@example.com"}
			if tc.edit != nil {
				tc.edit(&s)
			}
			path := filepath.Join(t.TempDir(), "settings.json")
			if !tc.noFile {
				if err := nut.Save(path, s); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("NUTMEG_SMTP_PASSWORD", tc.env)

			var out, errb bytes.Buffer
			args := append([]string{"test-email", "--settings", path, "--timeout", "20s"}, tc.args...)
			code := run(args, &env{stdin: strings.NewReader(tc.stdin), stdout: &out, stderr: &errb})
			all := out.String() + errb.String()
			// Checked first: a failure below prints the output.
			if strings.Contains(all, testEmailPass) {
				t.Fatal("the password is in the output")
			}
			if code != tc.code || !strings.Contains(all, tc.want) {
				t.Fatalf("exit %d, want %d with %q; output:\n%s", code, tc.code, tc.want, all)
			}
			msgs := d.Messages()
			if !tc.wantRun {
				if len(msgs) != 0 {
					t.Errorf("%d messages arrived", len(msgs))
				}
				return
			}
			if len(msgs) != 1 {
				t.Fatalf("%d messages arrived, want 1", len(msgs))
			}
			m := msgs[0]
			if !slices.Equal(m.Rcpt, s.ToEmail) {
				t.Errorf("RCPT %v, want %v", m.Rcpt, s.ToEmail)
			}
			host, _ := os.Hostname()
			if m.Subject != "Test from "+host {
				t.Errorf("subject %q", m.Subject)
			}
			if !strings.Contains(m.Body, "test message from Nutmeg") {
				t.Errorf("body %q", m.Body)
			}
		})
	}
}
