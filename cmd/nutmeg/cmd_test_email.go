package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/notify"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
)

func init() {
	register(&command{
		name:    "test-email",
		args:    "[--settings F] [--password-stdin] [--timeout D]",
		summary: "send a test message with the saved mail settings",
		run:     runTestEmail,
	})
}

// emailFields are the settings keys that the mail uses; only their problems
// stop a test message.
var emailFields = []string{"toemail", "subject", "emailevents", "smtp"}

func runTestEmail(flags *flag.FlagSet, args []string, e *env) error {
	settingsPath := flags.String("settings", "", "the settings `FILE` (default: the saved settings)")
	pwStdin := flags.Bool("password-stdin", false, "read the SMTP password from the first line of stdin "+
		"(otherwise $NUTMEG_SMTP_PASSWORD, then the keyring)")
	timeout := flags.Duration("timeout", notify.DefaultTimeout, "give up on a silent mail server after `D`")
	keyringTimeout := flags.Duration("keyring-timeout", 10*time.Second, "give up on the keyring after `D`")
	if err := parse(flags, args); err != nil {
		return err
	}
	if *timeout <= 0 {
		return badInputf("--timeout: must be positive")
	}

	s, _, err := loadSettings(*settingsPath)
	if err != nil {
		return err
	}
	if err := checkEmailSettings(s); err != nil {
		return badInput{err}
	}

	password := ""
	if s.SMTP.Username != "" {
		opts := secret.ResolveOptions{Store: secret.Keyring(*keyringTimeout)}
		if *pwStdin {
			opts.Stdin = e.stdin
		}
		password, err = secret.Resolve(secret.SMTPPassword, opts)
		switch {
		case errors.Is(err, secret.ErrNotFound):
			return badInputf("smtp.username is %q but %s is not stored: enter it in the settings, or set %s, or use --password-stdin",
				s.SMTP.Username, secret.Describe(secret.SMTPPassword), secret.EnvVar(secret.SMTPPassword))
		case err != nil:
			return fmt.Errorf("%s: %w", secret.Describe(secret.SMTPPassword), err)
		}
	}

	cfg := notify.FromSettings(s, password)
	cfg.Timeout = *timeout
	m, err := notify.NewMailer(cfg)
	if err != nil {
		return badInput{err}
	}
	if !s.EmailNotify {
		fmt.Fprintln(e.stderr, "note: email notification is off in the settings (emailnotify); sending the test anyway")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := m.SendTest(ctx); err != nil {
		return fmt.Errorf("test message not sent: %w", err)
	}
	_, err = fmt.Fprintf(e.stdout, "Test message sent to %s via %s.\n", strings.Join(s.ToEmail, ", "), m.Server())
	return err
}

// checkEmailSettings reports the problems of the mail settings only (a test
// message does not need the rest to be right), and the fields a test needs
// even while email notification is off.
func checkEmailSettings(s nut.Settings) error {
	var problems nut.ValidationErrors
	if err := s.ValidateStored(); err != nil {
		var ve nut.ValidationErrors
		if !errors.As(err, &ve) {
			return err
		}
		for _, f := range emailFields {
			problems = append(problems, ve.For(f)...)
		}
	}
	if !s.EmailNotify {
		// Validate requires these only when mail is on.
		if len(s.ToEmail) == 0 {
			problems = append(problems, nut.FieldError{Field: "toemail", Rule: "needs at least one address to send a test message to"})
		}
		if s.SMTP.Host == "" {
			problems = append(problems, nut.FieldError{Field: "smtp.host", Rule: "is required to send mail"})
		}
		if s.SMTP.From == "" {
			problems = append(problems, nut.FieldError{Field: "smtp.from", Rule: "is required to send mail"})
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("the mail settings are not valid:\n%w", problems)
	}
	return nil
}
