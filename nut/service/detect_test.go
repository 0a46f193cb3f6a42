package service

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
)

func TestDetector(t *testing.T) {
	lost := errors.New("connection refused")
	tests := []struct {
		name  string
		steps []string // "<sec> <status tokens>" | "<sec> fail" | "<sec> tick"
		want  []string // "<sec> EVENT"
	}{
		{"first OL is quiet", []string{"0 OL", "1 OL CHRG"}, nil},
		{"first OB is ONBATT", []string{"0 OB DISCHRG"}, []string{"0 ONBATT"}},
		{"power failure and back", []string{"0 OL", "1 OB", "2 OB", "3 OL"}, []string{"1 ONBATT", "3 ONLINE"}},
		{"low battery once", []string{"0 OL", "1 OB", "2 OB LB", "3 OB LB", "4 OL LB", "5 OL"}, []string{"1 ONBATT", "2 LOWBATT", "4 ONLINE"}},
		{"exact tokens, no substrings", []string{"0 OL", "1 OLX", "2 BOB", "3 OL"}, []string{"3 ONLINE"}},
		{"FSD and RB", []string{"0 OL", "1 OL RB", "2 FSD OL RB"}, []string{"1 REPLBATT", "2 FSD"}},
		{"comm lost while online, NOCOMM after 5 s, back", []string{"0 OL", "1 fail", "3 tick", "6 tick", "7 tick", "8 OL"},
			[]string{"1 COMMBAD", "6 NOCOMM", "8 COMMOK"}},
		{"short outage, no NOCOMM", []string{"0 OL", "1 fail", "2 fail", "3 OL", "9 tick"}, []string{"1 COMMBAD", "3 COMMOK"}},
		{"outage across a power change", []string{"0 OB", "1 fail", "2 OL"}, []string{"0 ONBATT", "1 COMMBAD", "2 COMMOK", "2 ONLINE"}},
		{"restart with no change doubles nothing", []string{"0 OB", "1 fail", "2 OB"}, []string{"0 ONBATT", "1 COMMBAD", "2 COMMOK"}},
		{"never connected: NOCOMM only", []string{"0 fail", "4 fail", "5 fail", "6 fail"}, []string{"5 NOCOMM"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDetector("ups", 5*time.Second, t0)
			var got []string
			for _, s := range tt.steps {
				at, rest, _ := strings.Cut(s, " ")
				now := t0.Add(sec(atof(t, at)))
				var evs []string
				switch rest {
				case "fail":
					for _, e := range d.Fail(now, lost) {
						evs = append(evs, e.Name)
					}
				case "tick":
					for _, e := range d.Tick(now) {
						evs = append(evs, e.Name)
					}
				default:
					st := client.Status{UPS: "ups", Flags: client.ParseFlags(rest)}
					for _, e := range d.Poll(now, st) {
						if !e.Time.Equal(now) || e.UPS != "ups" || e.Message == "" {
							t.Errorf("event %+v: wrong time, UPS or message", e)
						}
						evs = append(evs, e.Name)
					}
				}
				for _, e := range evs {
					got = append(got, at+" "+e)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("events %v, want %v", got, tt.want)
			}
		})
	}
}

func atof(t *testing.T, s string) float64 {
	var f float64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("bad number %q", s)
		}
		f = f*10 + float64(c-'0')
	}
	return f
}
