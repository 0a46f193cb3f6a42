package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/notify/smtptest"
)

// logBuffer collects a Queue's log output; safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) count(s string) int { return strings.Count(l.String(), s) }

// waitLog waits until the log holds s n times.
func (l *logBuffer) waitLog(t *testing.T, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for l.count(s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("waited for %d× %q in the log:\n%s", n, s, l.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runQueue starts q.Run and returns a function that cancels it and waits
// until Run has returned.
func runQueue(t *testing.T, q *Queue) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

func TestQueueSendsOnlySelectedEvents(t *testing.T) {
	d := (&smtptest.Server{Mode: "starttls", User: testUser, Pass: testPass}).Start(t)
	m := mailerFor(t, d, nut.TLSStartTLS, testUser, testPass) // selects ONBATT, LOWBATT, FSD
	var log logBuffer
	q := NewQueue(m, QueueConfig{Log: slog.New(slog.NewTextHandler(&log, nil))})
	runQueue(t, q)

	// FSD comes last: mail goes out in order, so once it has arrived every
	// event before it has been dealt with.
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"ONLINE", false}, {"ONBATT", true}, {"COMMBAD", false}, {"COMMOK", false},
		{"LOWBATT", true}, {"NOCOMM", false}, {"COUNTDOWN", false}, {"SHUTDOWN", false}, {"FSD", true},
	} {
		if got := q.Enqueue(Event{Time: when, Name: tc.name, UPS: "rack-ups"}); got != tc.want {
			t.Errorf("Enqueue(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
	got := d.WaitMessages(3)
	var titles []string
	for _, r := range got {
		titles = append(titles, strings.SplitN(r.Body, "\n", 2)[0])
	}
	want := []string{Title("ONBATT"), Title("LOWBATT"), Title("FSD")}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Errorf("mails arrived for %q, want %q", titles, want)
	}

	q.SetMailer(nil)
	if q.Enqueue(Event{Name: "ONBATT"}) {
		t.Error("Enqueue with mail turned off queued the event")
	}
	if strings.Contains(log.String(), testPass) {
		t.Error("the password is in the log")
	}
}

// A server that stalls and then refuses: Enqueue keeps returning at once,
// the buffer stays bounded (oldest dropped, logged), every failure is logged
// with the server's reason and retried with a doubling, capped backoff.
func TestQueueRetriesWithBackoffAndNeverBlocks(t *testing.T) {
	d := (&smtptest.Server{
		Mode:       "none",
		RefuseMail: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "relaying denied"},
		Stall:      make(chan struct{}),
		InMail:     make(chan struct{}, 1),
	}).Start(t)
	m := mailerFor(t, d, nut.TLSNone, "", "")
	var log logBuffer
	const size, attempts = 4, 3
	backoff, maxBackoff := 40*time.Millisecond, 60*time.Millisecond
	q := NewQueue(m, QueueConfig{Size: size, MaxAttempts: attempts, Backoff: backoff, MaxBackoff: maxBackoff,
		Log: slog.New(slog.NewTextHandler(&log, nil))})
	runQueue(t, q)

	q.Enqueue(Event{Time: when, Name: "FSD", UPS: "rack-ups"})
	<-d.InMail // the first attempt is now held by the server

	selected := 0
	names := []string{"ONBATT", "ONLINE", "LOWBATT"}
	for i := range 300 {
		if q.Enqueue(Event{Time: when, Name: names[i%3], UPS: "rack-ups"}) {
			selected++
		}
	}
	// All 300 calls returned while the server still holds the first send.
	if n := d.MailCount(); n != 1 {
		t.Fatalf("server saw %d MAIL commands during the stall, want 1", n)
	}
	if n := q.Len(); n != size {
		t.Errorf("queue holds %d events, want its size %d", n, size)
	}
	if n := log.count("email queue full: dropped the oldest event"); n != selected-size {
		t.Errorf("%d drops logged, want %d", n, selected-size)
	}
	close(d.Stall)

	// The stalled event and the size events left in the buffer are each
	// tried `attempts` times, then given up.
	log.waitLog(t, "giving up", 1+size)
	if n := d.MailCount(); n != attempts*(1+size) {
		t.Errorf("server saw %d attempts, want %d", n, attempts*(1+size))
	}
	if n := log.count("will retry"); n != (attempts-1)*(1+size) {
		t.Errorf("%d retries logged, want %d", n, (attempts-1)*(1+size))
	}
	out := log.String()
	for _, w := range []string{
		"554 5.7.1 relaying denied",
		"retry_in=40ms", // then doubled, but capped:
		"retry_in=60ms",
		"event=FSD attempts=3",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("log lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "retry_in=80ms") {
		t.Errorf("backoff not capped at %v:\n%s", maxBackoff, out)
	}
	// The waits are lower bounds, so the gaps between attempts cannot be
	// shorter than the backoff (the first attempt's gap includes the stall).
	times := d.MailTimes()
	if gap := times[2].Sub(times[1]); gap < maxBackoff {
		t.Errorf("second retry came %v after the first, want ≥ %v", gap, maxBackoff)
	}
	if gap := times[4].Sub(times[3]); gap < backoff {
		t.Errorf("first retry of the second event came after %v, want ≥ %v", gap, backoff)
	}
}

func TestQueuePasswordNeverLogged(t *testing.T) {
	d := (&smtptest.Server{Mode: "tls", User: testUser, Pass: testPass}).Start(t)
	wrong := "wrong-" + testPass
	m := mailerFor(t, d, nut.TLSImplicit, testUser, wrong)
	var log logBuffer
	q := NewQueue(m, QueueConfig{MaxAttempts: 2, Backoff: time.Millisecond,
		Log: slog.New(slog.NewTextHandler(&log, nil))})
	runQueue(t, q)
	q.Enqueue(Event{Time: when, Name: "ONBATT", UPS: "rack-ups"})
	log.waitLog(t, "giving up", 1)
	out := log.String()
	if !strings.Contains(out, "535 5.7.8 Authentication failed") {
		t.Errorf("log lacks the server's reason:\n%s", out)
	}
	if strings.Contains(out, testPass) {
		t.Error("the password is in the log")
	}
	if d.AuthCount() != 2 {
		t.Errorf("server saw %d AUTH attempts, want 2", d.AuthCount())
	}

	// With the right password the next event goes through.
	q.SetMailer(mailerFor(t, d, nut.TLSImplicit, testUser, testPass))
	q.Enqueue(Event{Time: when, Name: "LOWBATT", UPS: "rack-ups"})
	if r := d.WaitMessages(1)[0]; r.User != testUser || !strings.HasPrefix(r.Body, Title("LOWBATT")) {
		t.Errorf("arrived: %+v", r)
	}
	if strings.Contains(log.String(), testPass) {
		t.Error("the password is in the log")
	}
}

// Cancelling the queue stops a send that the server holds, at once rather
// than after the connection timeout.
func TestQueueStopsOnCancel(t *testing.T) {
	d := (&smtptest.Server{Mode: "starttls", Stall: make(chan struct{}), InMail: make(chan struct{}, 1)}).Start(t)
	m := mailerFor(t, d, nut.TLSStartTLS, "", "")
	m.cfg.Timeout = time.Hour // only ctx can end the stalled send
	var log logBuffer
	q := NewQueue(m, QueueConfig{Log: slog.New(slog.NewTextHandler(&log, nil))})
	stop := runQueue(t, q)
	q.Enqueue(Event{Time: when, Name: "ONBATT", UPS: "rack-ups"})
	q.Enqueue(Event{Time: when, Name: "FSD", UPS: "rack-ups"})
	<-d.InMail
	stop() // fails the test if Run does not return
	if !strings.Contains(log.String(), "email queue stopped with events unsent") {
		t.Errorf("log:\n%s", log.String())
	}
	if strings.Contains(log.String(), "will retry") {
		t.Errorf("a cancelled send was treated as a failure:\n%s", log.String())
	}
}

func TestMailerSendCancelled(t *testing.T) {
	d := (&smtptest.Server{Mode: "tls", Stall: make(chan struct{}), InMail: make(chan struct{}, 1)}).Start(t)
	m := mailerFor(t, d, nut.TLSImplicit, "", "")
	m.cfg.Timeout = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- m.Send(ctx, onbatt) }()
	<-d.InMail
	cancel()
	select {
	case err := <-errc:
		if !strings.Contains(err.Error(), "context canceled") {
			t.Errorf("error %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Send did not return after cancel")
	}
}

// BenchmarkEnqueue measures what the countdown pays per event: the buffer is
// full (no Run), so each call also drops the oldest and logs it.
func BenchmarkEnqueue(b *testing.B) {
	m, err := NewMailer(Config{SMTP: nut.SMTP{Host: "mail.example.com", TLS: nut.TLSStartTLS, From: "ups@example.com"},
		To: []string{"a@example.com"}, Events: []string{"ONBATT"}})
	if err != nil {
		b.Fatal(err)
	}
	q := NewQueue(m, QueueConfig{Size: 16, Log: slog.New(slog.DiscardHandler)})
	e := Event{Time: when, Name: "ONBATT", UPS: "ups"}
	for b.Loop() {
		q.Enqueue(e)
	}
}
