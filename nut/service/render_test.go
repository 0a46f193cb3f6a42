package service

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

func TestRenderUserMode(t *testing.T) {
	state := "/state"
	tests := []struct {
		name      string
		mutate    func(*nut.Settings)
		admin     string
		want      map[string][]string // file → substrings
		wantNot   map[string][]string
		adminPrec string // the admin section comes before this text
	}{
		{name: "admin user, powerdown flag in the private run dir", admin: "0123abcd",
			mutate: func(s *nut.Settings) { s.PowerDown = true },
			want: map[string][]string{
				conf.UPSDUsers:  {"[" + AdminUser + "]", `password = "0123abcd"`, "instcmds = ALL"},
				conf.UPSMonConf: {`POWERDOWNFLAG "` + filepath.Join(state, "run", "killpower") + `"`, "FINALDELAY 0"},
				conf.UPSDConf:   {`LISTEN "127.0.0.1" 3493`},
			}},
		{name: "admin section before the extra users", admin: "ff",
			mutate: func(s *nut.Settings) { s.ExtraUsers = "[viewer]\n\tpassword = \"v\"\n" },
			want:   map[string][]string{conf.UPSDUsers: {"[viewer]", "[" + AdminUser + "]"}}, adminPrec: "[viewer]"},
		{name: "secondary: no admin, no upsd files", admin: "",
			mutate: func(s *nut.Settings) { s.Mode, s.RemoteHost, s.Driver = nut.ModeSecondary, "nas.local", "" },
			want:   map[string][]string{conf.UPSMonConf: {"nas.local", "secondary"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := nut.Defaults()
			s.Driver = "dummy-ups"
			tt.mutate(&s)
			files, err := Render(s, state, []string{"127.0.0.1"}, tt.admin)
			if err != nil {
				t.Fatal(err)
			}
			for name, subs := range tt.want {
				f, ok := files.Get(name)
				if !ok {
					t.Fatalf("no %s", name)
				}
				for _, sub := range subs {
					if !strings.Contains(f.Content, sub) {
						t.Errorf("%s lacks %q:\n%s", name, sub, f.Content)
					}
				}
			}
			if tt.adminPrec != "" {
				f, _ := files.Get(conf.UPSDUsers)
				if strings.Index(f.Content, "["+AdminUser+"]") > strings.Index(f.Content, tt.adminPrec) {
					t.Errorf("admin user after %q:\n%s", tt.adminPrec, f.Content)
				}
			}
			if s.Mode == nut.ModeSecondary {
				if _, ok := files.Get(conf.UPSDUsers); ok {
					t.Error("secondary renders upsd.users")
				}
			}
			mon, _ := files.Get(conf.UPSMonConf)
			if got := strings.Contains(mon.Content, "RUN_AS_USER"); got != nutlab.IsRoot() {
				t.Errorf("RUN_AS_USER written: %v, running as root: %v", got, nutlab.IsRoot())
			}
		})
	}
}
