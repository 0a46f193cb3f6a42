package nut

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWatchValidation(t *testing.T) {
	ok := Watched{Host: "nas.local", Port: 3493, UPS: "rack"}
	for _, c := range []struct {
		name  string
		edit  func(s *Settings)
		field string
		rule  string
	}{
		{"valid", nil, "", ""},
		{"valid with a login", func(s *Settings) { s.Watch[0].User, s.Watch[0].Password = "watcher", "pw-1" }, "", ""},
		{"no host", func(s *Settings) { s.Watch[0].Host = "" }, "watch[0].host", "is required"},
		{"bad host", func(s *Settings) { s.Watch[0].Host = "nas local" }, "watch[0].host", "host name or an IP address"},
		{"bad port", func(s *Settings) { s.Watch[0].Port = 70000 }, "watch[0].port", "from 1 to 65535"},
		{"no UPS", func(s *Settings) { s.Watch[0].UPS = "" }, "watch[0].ups", "is required"},
		{"bad UPS", func(s *Settings) { s.Watch[0].UPS = "my ups" }, "watch[0].ups", "may contain only"},
		{"bad user", func(s *Settings) { s.Watch[0].User = "a b" }, "watch[0].user", "must not contain spaces"},
		{"bad password", func(s *Settings) { s.Watch[0].User, s.Watch[0].Password = "u", "p#w" }, "watch[0].password", `must not contain "#"`},
		{"password without user", func(s *Settings) { s.Watch[0].Password = "pw-1" }, "watch[0].user", "is required with a password"},
		{"twice", func(s *Settings) { s.Watch = append(s.Watch, s.Watch[0]) }, "watch[1].ups", "is already watched (watch[0])"},
		{"the UPS this secondary follows", func(s *Settings) {
			s.Mode, s.RemoteHost, s.RemotePort, s.Identifier, s.Driver = ModeSecondary, "nas.local", 3493, "rack", ""
		}, "watch[0].ups", "is the UPS this machine follows already"},
	} {
		s := Defaults()
		s.Driver = "dummy-ups"
		s.Watch = []Watched{ok}
		if c.edit != nil {
			c.edit(&s)
		}
		err := s.Validate()
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		ve, _ := err.(ValidationErrors)
		got := ve.For(c.field)
		if len(got) == 0 || !strings.Contains(got[0].Rule, c.rule) {
			t.Errorf("%s: %v, want %s: …%s…", c.name, err, c.field, c.rule)
		}
		if strings.Contains(fmt.Sprint(err), "p#w") {
			t.Errorf("%s: the error shows the password", c.name)
		}
	}
}

// The file keeps the list without passwords; a missing port is 3493; a
// password in the file is refused with a message that says where it goes.
func TestWatchInFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	s := Defaults()
	s.Watch = []Watched{{Host: " nas.local ", UPS: "rack", User: "watcher", Password: "Secret-Watch-1"}}
	if strings.Contains(fmt.Sprintf("%v %+v %#v", s, s, s), "Secret-Watch-1") {
		t.Fatal("formatting settings shows a watched UPS's password")
	}
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "Secret-Watch-1") || !strings.Contains(string(raw), `"watch"`) {
		t.Fatalf("file:\n%s", raw)
	}
	got, err := Load(path)
	if err != nil || len(got.Watch) != 1 || got.Watch[0].Host != "nas.local" || got.Watch[0].Port != 3493 || got.Watch[0].Key() != "rack@nas.local:3493" {
		t.Fatalf("loaded %v, %v", got.Watch, err)
	}
	bad := strings.Replace(string(raw), `"user": "watcher"`, `"user": "watcher", "password": "x"`, 1)
	if _, err := Decode([]byte(bad)); err == nil || !strings.Contains(err.Error(), `"watch[0].password": passwords are not kept`) {
		t.Errorf("a password in the file: %v", err)
	}
}
