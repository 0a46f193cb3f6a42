package service

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// procsUsing lists processes whose environment points NUT at etc.
func procsUsing(etc string) []int {
	return nutlab.PidsWhere(func(_, environ []byte) bool {
		return bytes.Contains(environ, []byte("NUT_CONFPATH="+etc+"\x00"))
	})
}

func TestApplyFreshProvesAndRestores(t *testing.T) {
	nutlab.Require(t)
	state := shortDir(t)
	lab := nutlab.New(t)
	lab.Etc = EtcDir(state)
	os.MkdirAll(lab.Etc, 0o700)
	lab.WriteDev("ups.dev", dev("OL CHRG"))
	s := labSettings(t, filepath.Join(state, "marker"))
	path := filepath.Join(state, "settings.json")
	nut.Save(path, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := ApplyOptions{Listen: []string{"127.0.0.1"}}

	res, err := Apply(ctx, s, path, state, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Via != "fresh" || res.Status != "OL CHRG" {
		t.Fatalf("apply: %+v", res)
	}
	if left := procsUsing(lab.Etc); len(left) > 0 {
		t.Fatalf("apply left NUT running: %v", left)
	}
	good, _ := os.ReadFile(filepath.Join(lab.Etc, conf.UPSConf))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name   string
		mutate func(*nut.Settings)
		step   string
		says   string
	}{
		{"driver cannot start", func(s *nut.Settings) { s.Port = "missing.dev" }, "start NUT", "missing.dev"},
		{"port taken", func(s *nut.Settings) { s.RemotePort = taken }, "start NUT", "is already in use by another program"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := s
			tt.mutate(&bad)
			_, err := Apply(ctx, bad, path, state, o)
			var se *StepError
			if !errors.As(err, &se) || se.Step != tt.step || !se.Restored || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("apply: %v, want step %q restored, saying %q", err, tt.step, tt.says)
			}
			t.Logf("%v", err)
			now, _ := os.ReadFile(filepath.Join(lab.Etc, conf.UPSConf))
			if !bytes.Equal(now, good) {
				t.Fatalf("previous files not restored:\n%s", now)
			}
			if strings.Contains(err.Error(), "previous files either") {
				t.Fatalf("the previous set did not prove: %v", err)
			}
			if left := procsUsing(lab.Etc); len(left) > 0 {
				t.Fatalf("apply left NUT running: %v", left)
			}
		})
	}
}

func TestApplyRoot(t *testing.T) {
	root := t.TempDir()
	s := nut.Defaults()
	s.Driver = "usbhid-ups"
	dir, files, err := ApplyRoot(s, root)
	if err != nil {
		t.Fatal(err)
	}
	if dir != filepath.Join(root, "etc", "nut") || len(files) != 5 {
		t.Fatalf("dir %s, %d files", dir, len(files))
	}
	gid := -1
	if g, err := user.LookupGroup("nut"); err == nil && os.Geteuid() == 0 {
		gid, _ = strconv.Atoi(g.Gid)
	}
	for _, f := range files {
		st, err := os.Stat(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v, want 0640", f.Name, st.Mode().Perm())
		}
		if gid >= 0 && int(st.Sys().(*syscall.Stat_t).Gid) != gid {
			t.Errorf("%s: group %d, want nut (%d)", f.Name, st.Sys().(*syscall.Stat_t).Gid, gid)
		}
	}
	mon, _ := os.ReadFile(filepath.Join(dir, conf.UPSMonConf))
	if strings.Contains(string(mon), "RUN_AS_USER") || strings.Contains(string(mon), AdminUser) {
		t.Errorf("system files carry user-mode parts:\n%s", mon)
	}
	// A second apply keeps the first set.
	s.Description = "second"
	if _, _, err := ApplyRoot(s, root); err != nil {
		t.Fatal(err)
	}
	prev, err := os.ReadFile(filepath.Join(dir, conf.PreviousDir, conf.UPSConf))
	if err != nil || strings.Contains(string(prev), "second") {
		t.Fatalf("previous set: %v\n%s", err, prev)
	}
}

// A secondary's apply proves the password against the server: upsd answers
// OK to any PASSWORD, so only LOGIN tells a wrong one apart.
func TestApplySecondaryProvesThePassword(t *testing.T) {
	lab := nutlab.New(t)
	lab.WriteDev("ups.dev", dev("OL"))
	lab.WriteBasic("ups", "ups.dev", "upsmon", "right-Pass-123", filepath.Join(lab.Dir, "marker"))
	lab.StartDriver("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)

	s := nut.Defaults()
	s.Mode, s.Identifier, s.RemoteHost, s.RemotePort = nut.ModeSecondary, "ups", "127.0.0.1", lab.Port
	s.MonUser, s.MonPwd = "upsmon", "wrong-Pass-123"
	state := shortDir(t)
	path := filepath.Join(state, "settings.json")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	_, err := Apply(ctx, s, path, state, ApplyOptions{})
	var se *StepError
	if !errors.As(err, &se) || se.Step != "log in" {
		t.Fatalf("wrong password: %v, want a failure at the log in step", err)
	}
	if strings.Contains(err.Error(), s.MonPwd) {
		t.Fatal("the error shows the password")
	}
	s.MonPwd = "right-Pass-123"
	res, err := Apply(ctx, s, path, state, ApplyOptions{})
	if err != nil || res.Status != "OL" {
		t.Fatalf("right password: %+v, %v", res, err)
	}
}
