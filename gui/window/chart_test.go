package window

import (
	"math"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// minutes makes one sample a minute ending at now-endAgo, charge and load
// from the functions (NaN means unknown).
func minutes(now time.Time, n int, endAgo time.Duration, charge, load func(i int) float64) []api.Sample {
	var out []api.Sample
	for i := range n {
		at := now.Add(-endAgo - time.Duration(n-1-i)*time.Minute)
		out = append(out, api.Sample{Time: at, Charge: val(charge(i)), Load: val(load(i))})
	}
	return out
}

func val(f float64) client.Value {
	if math.IsNaN(f) {
		return client.Value{}
	}
	return client.Known(f)
}

func konst(v float64) func(int) float64 { return func(int) float64 { return v } }

func segLens(segs []Segment) []int {
	var out []int
	for _, s := range segs {
		out = append(out, len(s))
	}
	return out
}

func TestPlotHistory(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name      string
		samples   []api.Sample
		rng       string
		charge    []int // points per segment
		load      []int
		firstY    float64 // first charge point's Y
		firstX    float64 // first charge point's X (approx)
		lastXNear float64
	}{
		{name: "empty history", rng: "1h"},
		{
			name:    "one hour of full data in the 1h range",
			samples: minutes(t0, 60, 0, konst(80), konst(25)), rng: "1h",
			charge: []int{60}, load: []int{60},
			firstY: 0.8, firstX: 1.0 / 60, lastXNear: 1,
		},
		{
			name: "unknown charge breaks the charge line only",
			samples: minutes(t0, 30, 0, func(i int) float64 {
				if i >= 10 && i < 13 {
					return nan
				}
				return 50
			}, konst(30)), rng: "1h",
			charge: []int{10, 17}, load: []int{30},
			firstY: 0.5, firstX: 31.0 / 60, lastXNear: 1,
		},
		{
			name:    "all unknown is no line at all, not a line at 0",
			samples: minutes(t0, 20, 0, konst(nan), konst(nan)), rng: "1h",
		},
		{
			name: "a pause of the service is a gap",
			samples: append(minutes(t0, 10, 40*time.Minute, konst(90), konst(20)),
				minutes(t0, 10, 0, konst(70), konst(20))...),
			rng:    "1h",
			charge: []int{10, 10}, load: []int{10, 10},
			firstY: 0.9, firstX: 11.0 / 60, lastXNear: 1,
		},
		{
			name:    "two minutes apart is no gap",
			samples: thin(minutes(t0, 60, 0, konst(60), konst(10)), 2), rng: "1h",
			charge: []int{30}, load: []int{30},
			firstY: 0.6, firstX: 2.0 / 60, lastXNear: 1,
		},
		{
			name:    "1h leaves out what is older",
			samples: minutes(t0, 180, 0, func(i int) float64 { return float64(i) / 2 }, konst(10)), rng: "1h",
			charge: []int{60}, load: []int{60}, // the sample exactly at the range's start is outside
			firstY: 0.6, firstX: 1.0 / 60, lastXNear: 1,
		},
		{
			name:    "24h keeps three hours",
			samples: minutes(t0, 180, 0, konst(100), konst(10)), rng: "24h",
			charge: []int{179}, load: []int{179}, // 4.8 min buckets keep every minute sample apart... averaged
			firstY: 1, firstX: 21.0 / 24, lastXNear: 1,
		},
		{
			name:    "7d averages a week into at most MaxPoints",
			samples: minutes(t0, 7*1440, 0, konst(100), konst(10)), rng: "7d",
			charge: []int{MaxPoints}, load: []int{MaxPoints},
			firstY: 1, firstX: 0.0017, lastXNear: 1,
		},
		{
			name:    "loads over 100 % are clamped",
			samples: minutes(t0, 5, 0, konst(100), konst(130)), rng: "1h",
			charge: []int{5}, load: []int{5},
			firstY: 1, firstX: 56.0 / 60, lastXNear: 1,
		},
		{
			name:    "samples newer than now are left out",
			samples: minutes(t0.Add(10*time.Minute), 20, 0, konst(40), konst(10)), rng: "1h",
			charge: []int{10}, load: []int{10},
			firstY: 0.4, firstX: 51.0 / 60, lastXNear: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := PlotHistory(tc.samples, RangeByName(tc.rng), t0)
			if want := t0.Add(-RangeByName(tc.rng).Span); !p.From.Equal(want) || !p.To.Equal(t0) {
				t.Errorf("range %v..%v, want %v..%v", p.From, p.To, want, t0)
			}
			gotC, gotL := segLens(p.Charge), segLens(p.Load)
			if tc.rng == "24h" && len(gotC) == 1 {
				// 24 h buckets are 4.8 min: several samples share one.
				tc.charge, tc.load = []int{len(p.Charge[0])}, []int{len(p.Load[0])}
				if n := len(p.Charge[0]); n < 35 || n > 40 {
					t.Errorf("24h: %d points for 3 h, want about 3 h / 4.8 min", n)
				}
			}
			if !equalInts(gotC, tc.charge) || !equalInts(gotL, tc.load) {
				t.Fatalf("segments charge %v load %v, want %v %v", gotC, gotL, tc.charge, tc.load)
			}
			for _, segs := range [][]Segment{p.Charge, p.Load} {
				for _, s := range segs {
					for i, pt := range s {
						if pt.X < 0 || pt.X > 1 || pt.Y < 0 || pt.Y > 1 {
							t.Fatalf("point %v outside the unit square", pt)
						}
						if i > 0 && pt.X <= s[i-1].X {
							t.Fatalf("X not increasing: %v after %v", pt, s[i-1])
						}
					}
				}
			}
			if len(p.Charge) == 0 {
				return
			}
			first := p.Charge[0][0]
			last := p.Charge[len(p.Charge)-1]
			if math.Abs(first.Y-tc.firstY) > 0.01 || math.Abs(first.X-tc.firstX) > 0.01 {
				t.Errorf("first point %v, want about (%.3f, %.3f)", first, tc.firstX, tc.firstY)
			}
			if x := last[len(last)-1].X; math.Abs(x-tc.lastXNear) > 0.01 {
				t.Errorf("last X %.3f, want about %.3f", x, tc.lastXNear)
			}
		})
	}
}

func thin(s []api.Sample, every int) []api.Sample {
	var out []api.Sample
	for i := len(s) - 1; i >= 0; i -= every {
		out = append([]api.Sample{s[i]}, out...)
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRangeByName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want time.Duration
	}{{"1h", time.Hour}, {"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}, {"bogus", time.Hour}} {
		if got := RangeByName(tc.name).Span; got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
