package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/notify"
	"github.com/nutmeg-ups/nutmeg/nut/notify/smtptest"
)

// mailQueue runs a notify queue on a recording go-smtp server, mailing the
// selected events.
func mailQueue(t *testing.T, srv *smtptest.Server, events ...string) *notify.Queue {
	t.Helper()
	st := nut.Settings{Identifier: "ups", ToEmail: []string{"admin@example.org"}, EmailEvents: events,
		SMTP: nut.SMTP{Host: srv.Host, Port: srv.Port, TLS: nut.TLSNone, From: "nutmeg@example.org"}}
	cfg := notify.FromSettings(st, "")
	cfg.Timeout = 5 * time.Second
	m, err := notify.NewMailer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	q := notify.NewQueue(m, notify.QueueConfig{Backoff: 100 * time.Millisecond, MaxAttempts: 2})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return q
}

func TestEmailSelectedEventsOnly(t *testing.T) {
	srv := (&smtptest.Server{Mode: "none"}).Start(t)
	q := mailQueue(t, srv, "ONBATT", "ONLINE")
	s := startLabService(t, Policy{Mode: nut.ShutdownBatt, Timer: time.Minute}, time.Minute, dev("OL"), func(c *WatcherConfig) { c.Mail = q })
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	_, i := col.event(t, 0, EvCountdown, 10*time.Second)
	s.lab.WriteDev("ups.dev", dev("OL CHRG"))
	col.event(t, i, EvCancelled, 10*time.Second)
	msgs := srv.WaitMessages(2)
	time.Sleep(time.Second) // anything else (COUNTDOWN, CANCELLED) would have come by now
	msgs = srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d mails, want 2 (ONBATT, ONLINE)", len(msgs))
	}
	for k, want := range []string{"ONBATT", "ONLINE"} {
		title := notify.Title(want)
		if !strings.Contains(msgs[k].Body, notify.Sentence(want, "ups")) || msgs[k].Rcpt[0] != "admin@example.org" {
			t.Errorf("mail %d (%s): subject %q body %q", k, title, msgs[k].Subject, msgs[k].Body)
		}
	}
}

func TestStalledMailNeverDelaysShutdown(t *testing.T) {
	srv := (&smtptest.Server{Mode: "none", Stall: make(chan struct{}), InMail: make(chan struct{}, 10)}).Start(t)
	q := mailQueue(t, srv, "ONBATT", "COUNTDOWN", "SHUTDOWN", "FSD")
	s := startLabService(t, Policy{Mode: nut.ShutdownBatt, Timer: 3 * time.Second}, time.Minute, dev("OL"), func(c *WatcherConfig) { c.Mail = q })
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	ev, _ := col.event(t, 0, EvOnBatt, 10*time.Second)
	select {
	case <-srv.InMail:
	case <-time.After(5 * time.Second):
		t.Fatal("the mail server never got the ONBATT mail")
	}
	mark := waitMarker(t, s.marker, 10*time.Second)
	if d := mark.Sub(ev.m.Event.Time); d < 2*time.Second || d > 4*time.Second {
		t.Fatalf("with the mail server stalled, marker %v after ONBATT, want 3 s ± 1 s", d)
	}
	close(srv.Stall)
}
