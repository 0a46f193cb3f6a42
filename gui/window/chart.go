package window

import (
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// Range is a span of history the chart shows.
type Range struct {
	Name  string        // as the service's "history" request takes it: 1h, 24h, 7d
	Label string        // on the selector: "1 h"
	Span  time.Duration //
}

// Ranges are the chart's choices, the service's history ranges.
var Ranges = []Range{
	{"1h", "1 h", time.Hour},
	{"24h", "24 h", 24 * time.Hour},
	{"7d", "7 d", 7 * 24 * time.Hour},
}

// RangeByName finds a range; an unknown name gives the first one.
func RangeByName(name string) Range {
	for _, r := range Ranges {
		if r.Name == name {
			return r
		}
	}
	return Ranges[0]
}

// Point is a plotted point: X from 0 (start of the range) to 1 (now), Y from
// 0 to 1 (0 % to 100 %; values beyond are clamped).
type Point struct{ X, Y float64 }

// Segment is a stretch of line without a gap.
type Segment []Point

// Plot is what the chart draws.
type Plot struct {
	From, To time.Time
	Charge   []Segment
	Load     []Segment
}

// MaxPoints bounds the points per series: seven days of one sample a minute
// are averaged into this many buckets.
const MaxPoints = 300

// SampleEvery is the service's history interval (one sample a minute).
const SampleEvery = time.Minute

// PlotHistory turns history samples (oldest first) into the chart's lines
// for the range r ending at now. A line breaks where a value is unknown
// (never drawn as 0) and where samples are missing for more than three
// sampling intervals (the service was not running). Samples are averaged in
// buckets of r.Span/MaxPoints, so a week stays a few hundred points.
func PlotHistory(samples []api.Sample, r Range, now time.Time) Plot {
	from := now.Add(-r.Span)
	p := Plot{From: from, To: now}
	p.Charge = plotSeries(samples, from, now, func(s api.Sample) client.Value { return s.Charge })
	p.Load = plotSeries(samples, from, now, func(s api.Sample) client.Value { return s.Load })
	return p
}

func plotSeries(samples []api.Sample, from, to time.Time, val func(api.Sample) client.Value) []Segment {
	span := to.Sub(from)
	if span <= 0 {
		return nil
	}
	width := span / MaxPoints
	gap := 3 * SampleEvery
	var (
		out    []Segment
		cur    Segment
		prev   time.Time // the previous sample in range
		bucket = -1      // the bucket being averaged
		sumX   float64
		sumY   float64
		n      int
	)
	flush := func() {
		if n > 0 {
			cur = append(cur, Point{X: sumX / float64(n), Y: clamp01(sumY / float64(n) / 100)})
		}
		sumX, sumY, n = 0, 0, 0
	}
	breakLine := func() {
		flush()
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	for _, s := range samples {
		if !s.Time.After(from) || s.Time.After(to) {
			continue
		}
		if !prev.IsZero() && s.Time.Sub(prev) > gap {
			breakLine() // samples missing: the service was not running
		}
		prev = s.Time
		v := val(s)
		if !v.OK {
			breakLine() // unknown is a gap, never a 0
			continue
		}
		if b := min(int(s.Time.Sub(from)/width), MaxPoints-1); b != bucket {
			flush()
			bucket = b
		}
		n++
		sumX += float64(s.Time.Sub(from)) / float64(span)
		sumY += v.V
	}
	breakLine()
	return out
}

func clamp01(v float64) float64 {
	switch {
	case v < 0:
		return 0
	case v > 1:
		return 1
	}
	return v
}
