package service

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// HistoryName is the history file in the state directory: JSON lines, one
// api.Sample each, appended once a minute. It is rewritten with only the
// newest HistoryMax samples when it holds twice as many, so it stays within
// about 2 × 10080 lines (a few MiB) whatever the uptime.
const HistoryName = "history.jsonl"

// HistoryMax is 7 days of one sample a minute.
const HistoryMax = 7 * 1440

// History keeps the samples on disk only: the service appends one a minute
// and reads them back only when a client asks (the status window's chart),
// so seven days of samples (about 1 MiB as values) are not held all day,
// nor decoded at every start.
type History struct {
	path string
	max  int

	mu    sync.Mutex
	lines int // lines in the file
}

// OpenHistory counts the lines of the history at path (missing is empty).
// max <= 0 means HistoryMax.
func OpenHistory(path string, max int) (*History, error) {
	if max <= 0 {
		max = HistoryMax
	}
	h := &History{path: path, max: max}
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return h, nil
		}
		return nil, fmt.Errorf("open history: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		h.lines++
	}
	return h, nil
}

// SampleOf takes the history figures out of a status.
func SampleOf(st client.Status) api.Sample {
	return api.Sample{Time: st.Time, Charge: st.Charge, Runtime: st.Runtime, Load: st.Load, InputVoltage: st.InputVoltage}
}

// Add appends one sample to the file; when the file would hold more than
// twice max lines, it is rewritten with the newest max samples.
func (h *History) Add(s api.Sample) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lines+1 > 2*h.max {
		samples, err := h.read(time.Time{})
		if err != nil {
			return err
		}
		return h.compact(append(samples, s))
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(h.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	h.lines++
	return nil
}

// compact rewrites the file with the newest max of samples (atomically).
func (h *History) compact(samples []api.Sample) error {
	samples = samples[max(len(samples)-h.max, 0):]
	tmp := h.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, s := range samples {
		_ = enc.Encode(s)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("history: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if err := os.Rename(tmp, h.path); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	h.lines = len(samples)
	return nil
}

// read decodes the newest max samples of the file that are newer than t,
// oldest first; lines that do not decode are skipped.
func (h *History) read(t time.Time) ([]api.Sample, error) {
	f, err := os.Open(h.path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	var out []api.Sample // a ring once it holds max: next is the oldest
	next := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var s api.Sample
		if json.Unmarshal(sc.Bytes(), &s) != nil || !s.Time.After(t) {
			continue
		}
		if len(out) < h.max {
			out = append(out, s)
			continue
		}
		out[next] = s
		next = (next + 1) % h.max
	}
	slices.Reverse(out[:next])
	slices.Reverse(out[next:])
	slices.Reverse(out)
	return out, sc.Err()
}

// Since returns the samples newer than t, oldest first (none when the file
// cannot be read).
func (h *History) Since(t time.Time) []api.Sample {
	h.mu.Lock()
	defer h.mu.Unlock()
	out, _ := h.read(t)
	return out
}

// Len is the number of samples kept.
func (h *History) Len() int {
	return len(h.Since(time.Time{}))
}

// ParseRange reads a history range: "1h", "24h", "7d" or any Go duration.
func ParseRange(r string) (time.Duration, error) {
	switch r {
	case "", "24h":
		return 24 * time.Hour, nil
	case "7d":
		return 7 * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(r)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("range %q: want 1h, 24h or 7d", r)
	}
	return d, nil
}
