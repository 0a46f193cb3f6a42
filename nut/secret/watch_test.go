package secret

import (
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut"
)

func TestWatchPasswords(t *testing.T) {
	st := &Memory{}
	s := nut.Settings{Watch: []nut.Watched{
		{Host: "nas", Port: 3493, UPS: "rack", User: "watcher", Password: "Pw-1"},
		{Host: "nas", Port: 3493, UPS: "desk"},
	}}
	if err := SaveWatch(st, s); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Get("watch-password:rack@nas:3493"); err != nil || v != "Pw-1" {
		t.Fatalf("stored %q, %v", v, err)
	}
	s.Watch[0].Password = ""
	s.Watch = append(s.Watch, nut.Watched{Host: "other", Port: 3493, UPS: "x", User: "u"}) // nothing stored: left empty
	if err := LoadWatch(st, &s); err != nil || s.Watch[0].Password != "Pw-1" || s.Watch[1].Password != "" || s.Watch[2].Password != "" {
		t.Fatalf("loaded %v, %v", s.Watch, err)
	}
}
