package flow

import (
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// The watch list's editor: a good entry is added (port 3493 when none is
// given), a bad one is refused with the field and the rule and nothing is
// added, and an entry can be removed.
func TestAddWatch(t *testing.T) {
	f := New()
	f.ChooseSimulated()
	bad := []struct {
		name  string
		x     nut.Watched
		field string
		rule  string
	}{
		{"no host", nut.Watched{UPS: "rack"}, "host", "is required"},
		{"bad host", nut.Watched{Host: "nas box", UPS: "rack"}, "host", "must be a host name or an IP address"},
		{"no UPS", nut.Watched{Host: "nas"}, "ups", "is required"},
		{"bad UPS", nut.Watched{Host: "nas", UPS: "rack 1"}, "ups", "may contain only ASCII letters"},
		{"bad port", nut.Watched{Host: "nas", Port: 70000, UPS: "rack"}, "port", "must be a port number from 1 to 65535"},
		{"password without user", nut.Watched{Host: "nas", UPS: "rack", Password: "pw-1"}, "user", "is required with a password"},
	}
	for _, c := range bad {
		fes := f.AddWatch(c.x)
		if len(fes) == 0 || fes[0].Field != c.field || !strings.Contains(fes[0].Rule, c.rule) {
			t.Errorf("%s: %+v, want %s: …%s…", c.name, fes, c.field, c.rule)
		}
		if len(f.Settings.Watch) != 0 {
			t.Fatalf("%s: added anyway: %v", c.name, f.Settings.Watch)
		}
	}
	if fes := f.AddWatch(nut.Watched{Host: " nas ", UPS: "rack", User: "viewer", Password: "Pw-1", Mail: true}); fes != nil {
		t.Fatalf("a good entry refused: %+v", fes)
	}
	if fes := f.AddWatch(nut.Watched{Host: "10.0.0.2", Port: 3500, UPS: "desk"}); fes != nil {
		t.Fatalf("a good entry refused: %+v", fes)
	}
	if fes := f.AddWatch(nut.Watched{Host: "nas", UPS: "rack"}); len(fes) != 1 || fes[0].Field != "ups" || !strings.Contains(fes[0].Rule, "is already watched (watch[0])") {
		t.Errorf("a second rack@nas: %+v", fes)
	}
	w := f.Settings.Watch
	if len(w) != 2 || w[0].Key() != "rack@nas:3493" || !w[0].Mail || w[0].Password != "Pw-1" || w[1].Key() != "desk@10.0.0.2:3500" {
		t.Fatalf("list %v", w)
	}
	if !f.CanApply() || f.PageOf("watch[1].host") != Advanced {
		t.Errorf("can apply %v, problems %v, page of watch %v", f.CanApply(), f.Problems(), f.PageOf("watch[1].host"))
	}
	f.RemoveWatch(0)
	if len(f.Settings.Watch) != 1 || f.Settings.Watch[0].UPS != "desk" {
		t.Errorf("after removing the first: %v", f.Settings.Watch)
	}
}
