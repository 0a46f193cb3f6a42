package service

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
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

// History keeps the newest samples in memory (a ring) and on disk.
type History struct {
	path string
	max  int

	mu      sync.Mutex
	samples []api.Sample // oldest first, at most max
	lines   int          // lines in the file
}

// OpenHistory loads the history at path (missing is empty). max <= 0 means
// HistoryMax.
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
		var s api.Sample
		if json.Unmarshal(sc.Bytes(), &s) == nil {
			h.push(s)
		}
	}
	return h, nil
}

// SampleOf takes the history figures out of a status.
func SampleOf(st client.Status) api.Sample {
	return api.Sample{Time: st.Time, Charge: st.Charge, Runtime: st.Runtime, Load: st.Load, InputVoltage: st.InputVoltage}
}

// Add appends one sample, in memory and on disk.
func (h *History) Add(s api.Sample) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.push(s)
	if h.lines+1 > 2*h.max {
		return h.compact()
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

// compact rewrites the file with the samples in memory (atomically).
func (h *History) compact() error {
	tmp := h.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, s := range h.samples {
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
	h.lines = len(h.samples)
	return nil
}

func (h *History) push(s api.Sample) {
	if len(h.samples) >= h.max {
		n := copy(h.samples, h.samples[len(h.samples)-h.max+1:])
		h.samples = h.samples[:n]
	}
	h.samples = append(h.samples, s)
}

// Since returns the samples newer than t, oldest first.
func (h *History) Since(t time.Time) []api.Sample {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := len(h.samples)
	for i > 0 && h.samples[i-1].Time.After(t) {
		i--
	}
	return append([]api.Sample(nil), h.samples[i:]...)
}

// Len is the number of samples kept.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.samples)
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
