package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

func TestEventsPrintsLog(t *testing.T) {
	state := t.TempDir()
	l, err := service.OpenEventLog(filepath.Join(state, service.EventLogName), 0)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.Local)
	for i, name := range []string{"ONBATT", "COUNTDOWN", "ONLINE"} {
		l.Append(api.Event{Time: at.Add(time.Duration(i) * time.Second), Name: name, UPS: "ups", Message: "m " + name})
	}
	l.Close()
	tests := []struct {
		args []string
		want []string
		code int
	}{
		{[]string{"events", "--state", state}, []string{"2026-05-01 12:00:00  ONBATT     m ONBATT", "2026-05-01 12:00:01  COUNTDOWN  m COUNTDOWN", "2026-05-01 12:00:02  ONLINE     m ONLINE"}, 0},
		{[]string{"events", "--state", state, "-n", "1"}, []string{"2026-05-01 12:00:02  ONLINE     m ONLINE"}, 0},
		{[]string{"events", "--state", state, "-n", "-1"}, nil, 2},
		{[]string{"events", "--state", t.TempDir()}, nil, 0},
	}
	for _, tt := range tests {
		code, out, errOut := runCmd(t, tt.args...)
		if code != tt.code {
			t.Errorf("%v: code %d (%s)", tt.args, code, errOut)
			continue
		}
		got := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if out == "" {
			got = nil
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%v:\n%q\nwant\n%q", tt.args, got, tt.want)
		}
	}
}

func TestEventsFollowJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildNutmeg(t)
	state := t.TempDir()
	path := filepath.Join(state, service.EventLogName)
	l, err := service.OpenEventLog(path, 400) // small: rotates while followed
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Append(api.Event{Name: "ONBATT", Message: "old"})
	cmd := exec.Command(bin, "events", "--json", "--follow", "--state", state)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.Contains(sc.Text(), `"old"`) {
		t.Fatalf("first line %q", sc.Text())
	}
	time.Sleep(500 * time.Millisecond)
	for i := range 6 {
		l.Append(api.Event{Name: "COMMBAD", Message: "new " + string(rune('a'+i))})
		time.Sleep(300 * time.Millisecond)
	}
	for i := range 6 {
		if !sc.Scan() {
			t.Fatalf("followed %d new events", i)
		}
		var e api.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Message != "new "+string(rune('a'+i)) {
			t.Fatalf("line %d: %q %v", i, sc.Text(), err)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("events --follow after SIGTERM: %v", err)
	}
	if _, err := os.Stat(path + ".1"); err != nil {
		t.Fatalf("the log never rotated during the test: %v", err)
	}
}
