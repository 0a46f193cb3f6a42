package service

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// EventLogName is the event log in the state directory: JSON lines, one
// api.Event each; when it grows past its size limit it moves to
// EventLogName+".1" (replacing the older one) and a new file starts.
const EventLogName = "events.jsonl"

// DefaultEventLogMax bounds one event log file.
const DefaultEventLogMax = 1 << 20

// EventLog appends events to a size-rotated JSON-lines file.
type EventLog struct {
	path string
	max  int64

	mu   sync.Mutex
	f    *os.File
	size int64
}

// OpenEventLog opens (or creates, mode 0600) the log at path.
func OpenEventLog(path string, max int64) (*EventLog, error) {
	if max <= 0 {
		max = DefaultEventLogMax
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open event log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open event log: %w", err)
	}
	return &EventLog{path: path, max: max, f: f, size: st.Size()}, nil
}

// Append writes one event (one line, one write) and rotates when full.
func (l *EventLog) Append(e api.Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("event log: closed")
	}
	if l.size > 0 && l.size+int64(len(b)) > l.max {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	n, err := l.f.Write(b)
	l.size += int64(n)
	if err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	return nil
}

func (l *EventLog) rotate() error {
	l.f.Close()
	l.f = nil
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		return fmt.Errorf("rotate event log: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("rotate event log: %w", err)
	}
	l.f, l.size = f, 0
	return nil
}

// Close closes the file.
func (l *EventLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// ReadEvents returns the newest n events (all when n <= 0), oldest first,
// from the log at path and its rotated predecessor. Lines that do not parse
// (a torn write after a crash) are skipped.
func ReadEvents(path string, n int) ([]api.Event, error) {
	var all []api.Event
	for _, p := range []string{path + ".1", path} {
		evs, _, err := readEventsFrom(p, 0)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		all = append(all, evs...)
	}
	if n > 0 && len(all) > n {
		all = all[len(all)-n:]
	}
	return all, nil
}

// readEventsFrom parses complete lines from offset on, returning the offset
// after the last complete line.
func readEventsFrom(path string, off int64) ([]api.Event, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, off, err
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, off, err
	}
	r := bufio.NewReader(f)
	var evs []api.Event
	for {
		line, err := r.ReadBytes('\n')
		if err != nil { // EOF or a partial last line: read it next time
			return evs, off, nil
		}
		off += int64(len(line))
		var e api.Event
		if json.Unmarshal(line, &e) == nil {
			evs = append(evs, e)
		}
	}
}

// FollowEvents calls fn for every event appended to the log at path after
// the call, until ctx ends, following rotations. It polls the file (every
// interval), which needs no service running.
func FollowEvents(ctx context.Context, path string, interval time.Duration, fn func(api.Event)) error {
	var off int64
	var ino uint64
	if st, err := os.Stat(path); err == nil {
		off, ino = st.Size(), inode(st)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		st, err := os.Stat(path)
		if err == nil {
			if ino != 0 && inode(st) != ino {
				// Rotated: finish the old file (now .1), then start the new one.
				if evs, _, err := readEventsFrom(path+".1", off); err == nil {
					for _, e := range evs {
						fn(e)
					}
				}
				off = 0
			} else if st.Size() < off {
				off = 0
			}
			ino = inode(st)
			evs, n, err := readEventsFrom(path, off)
			if err == nil {
				off = n
				for _, e := range evs {
					fn(e)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
