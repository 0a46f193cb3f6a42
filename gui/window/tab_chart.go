package window

// The History tab: the chart of charge and load, redrawn when a sample arrives.

import (
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// emptyRetries bounds the quick re-reads of an empty history: a service
// that has just started takes its first sample at its first poll, moments
// after it answers; after that the minute's reload (Follow) takes over.
const emptyRetries = 5

func (w *Window) loadHistory(rng Range) {
	w.request(api.Request{Op: "history", Range: rng.Name}, func(r api.Reply, err error) {
		if rng != w.rng {
			return // another range was picked meanwhile
		}
		if err != nil || !r.OK {
			w.history = nil
			w.showHistory()
			w.chartNote.SetText("The history could not be read: " + reason(r, err))
			return
		}
		if len(r.History) == 0 && w.linked && w.emptyReads < emptyRetries {
			w.emptyReads++
			time.AfterFunc(time.Second, func() {
				w.cfg.Post(func() {
					if w.linked && rng == w.rng {
						w.loadHistory(rng)
					}
				})
			})
		}
		if w.chartShown && sameSamples(w.history, r.History) {
			return // no new sample: the chart stays as drawn
		}
		w.history = r.History
		w.showHistory()
	})
}

// onRange switches the chart's range and loads its history.
func (w *Window) onRange(label string) {
	for _, r := range Ranges {
		if r.Label == label && r != w.rng {
			w.rng = r
			w.showHistory()
			w.loadHistory(r)
		}
	}
}

// sameSamples reports whether a history reply brings no new sample: the
// service appends one a minute and drops the oldest, so the ends say it.
func sameSamples(a, b []api.Sample) bool {
	return len(a) == len(b) && (len(a) == 0 || a[0].Time.Equal(b[0].Time) && a[len(a)-1].Time.Equal(b[len(b)-1].Time))
}

func (w *Window) showHistory() {
	w.chartShown = true
	p := PlotHistory(w.history, w.rng, w.cfg.Now())
	w.chart.SetPlot(p, w.rng)
	switch {
	case len(p.Charge) == 0 && len(p.Load) == 0:
		w.chartNote.SetText("No figures in the last " + w.rng.Label + " yet: the service keeps one sample a minute.")
	default:
		w.chartNote.SetText("Charge and load over the last " + w.rng.Label + ". Gaps: the value was unknown or the service was not running.")
	}
}
