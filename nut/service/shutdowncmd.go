package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/atomicfile"
)

// upsmon runs SHUTDOWNCMD through the shell and exits afterwards whatever
// the command did, so by itself a failed shutdown leaves the machine up with
// nobody watching. The service therefore points SHUTDOWNCMD at a small
// wrapper that runs the real command and records how it ended; the watcher
// reads that record, reports SHUTDOWN_FAILED and tries again.

// Names of the wrapper and of its record, in the service's run directory.
const (
	ShutdownWrapperName = "shutdown-cmd"
	ShutdownResultName  = "shutdown-result"
)

// WriteShutdownWrapper writes the wrapper script at path (0700): it runs cmd
// exactly as upsmon would (a shell command line), then writes "STATUS UNIX"
// and the last line of the command's error output to result, and exits with
// the command's status. It returns the SHUTDOWNCMD line that runs it.
func WriteShutdownWrapper(path, result, cmd string) (string, error) {
	if strings.ContainsAny(cmd, "\n\r") {
		return "", errors.New("shutdown command: must be one line")
	}
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	b.WriteString("# Written by Nutmeg's service at each start; do not edit (change shutdowncmd in\n")
	b.WriteString("# the settings). upsmon runs this as SHUTDOWNCMD: it runs the shutdown command\n")
	b.WriteString("# and records its exit status and last error line for the service, which\n")
	b.WriteString("# reports a failed shutdown and tries again.\n")
	fmt.Fprintf(&b, "result=%s\n", shellQuote(result))
	// The record is a help, the command is what matters: if the record's
	// directory cannot be written, the command still runs.
	b.WriteString("err=/dev/null\n")
	b.WriteString("if mkdir -p \"${result%/*}\" 2>/dev/null && : 2>/dev/null >\"$result.stderr\"; then err=\"$result.stderr\"; fi\n")
	b.WriteString("(\n:\n") // ":" keeps a command that is only a comment valid
	b.WriteString(cmd)
	b.WriteString("\n) 2>\"$err\"\n")
	b.WriteString("rc=$?\n")
	b.WriteString("{ echo \"$rc $(date +%s)\"; tail -n 1 \"$err\"; } >\"$result.tmp\" 2>/dev/null && mv -f \"$result.tmp\" \"$result\"\n")
	b.WriteString("exit \"$rc\"\n")
	if err := atomicfile.Write(path, []byte(b.String()), 0o700); err != nil {
		return "", fmt.Errorf("shutdown wrapper: %w", err)
	}
	return shellQuote(path), nil
}

// shellQuote quotes s for sh: inside single quotes only ' needs care.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shutdownResult is one record of the wrapper.
type shutdownResult struct {
	status int
	ended  time.Time
	last   string // last line of the command's error output
	mtime  time.Time
}

// readShutdownResult reads the wrapper's record; ok is false when there is
// none (or it is unreadable, which the next write replaces).
func readShutdownResult(path string) (shutdownResult, bool) {
	st, err := os.Stat(path)
	if err != nil {
		return shutdownResult{}, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return shutdownResult{}, false
	}
	first, rest, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(first)
	if len(f) != 2 {
		return shutdownResult{}, false
	}
	status, err1 := strconv.Atoi(f[0])
	unix, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return shutdownResult{}, false
	}
	return shutdownResult{status: status, ended: time.Unix(unix, 0), last: strings.TrimSpace(rest), mtime: st.ModTime()}, true
}

// resultMtime is the record's mtime now (zero when there is none), so that a
// starting watcher does not report an old record again.
func resultMtime(path string) time.Time {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || err != nil {
		return time.Time{}
	}
	return st.ModTime()
}

// checkShutdown reads a new record of the wrapper, notices a machine still
// up StillUpAfter a command that exited 0, and tries a failed shutdown again
// every RetryEvery while mains power has not returned.
func (w *Watcher) checkShutdown(ctx context.Context, now time.Time) {
	if path := w.cfg.ShutdownResult; path != "" {
		if r, ok := readShutdownResult(path); ok && r.mtime.After(w.resultSeen) {
			w.resultSeen = r.mtime
			if r.status != 0 {
				why := fmt.Sprintf("the shutdown command failed (exit status %d)", r.status)
				if r.last != "" {
					why += ": " + r.last
				}
				w.shutdownFailed(ctx, now, why)
			} else {
				w.log.Info("the shutdown command ran", "at", r.ended.Format(time.RFC3339))
				w.ranAt = now
			}
		}
	}
	if !w.ranAt.IsZero() && now.Sub(w.ranAt) >= w.cfg.StillUpAfter {
		w.shutdownFailed(ctx, now, fmt.Sprintf("the computer was still running %s after the shutdown command ran", w.cfg.StillUpAfter))
	}
	if w.failed != "" && !w.retryAt.IsZero() && !now.Before(w.retryAt) {
		w.retryAt = now.Add(w.cfg.RetryEvery)
		w.emit(ctx, api.Event{Time: now, Name: EvShutdown, UPS: w.cfg.UPS, Status: w.State().Status,
			Message: "Trying the shutdown again (the last try failed: " + w.failed + ")"})
		if retry := w.cfg.RetryShutdown; retry != nil {
			go func() {
				rctx, cancel := context.WithTimeout(ctx, w.cfg.RetryEvery)
				defer cancel()
				switch err := retry(rctx); {
				case err != nil && ctx.Err() != nil:
					// The service stops; the next one resumes the retries.
					w.log.Info("the service stops: a shutdown retry was cut short", "err", err)
				case err != nil:
					w.log.Error("trying the shutdown again", "err", err)
				}
			}()
		}
	}
}

// shutdownFailed says everywhere that the shutdown did not happen, and
// schedules the next try.
func (w *Watcher) shutdownFailed(ctx context.Context, now time.Time, why string) {
	w.failed, w.ranAt = why, time.Time{}
	w.retryAt = now.Add(w.cfg.RetryEvery)
	w.update(func(s *api.State) { s.ShutdownFailed = why })
	w.emit(ctx, api.Event{Time: now, Name: EvShutdownFailed, UPS: w.cfg.UPS, Status: w.State().Status,
		Message: api.ShutdownFailedText(why, w.cfg.RetryEvery)})
}
