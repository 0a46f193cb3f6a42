package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

func TestDemoBadInput(t *testing.T) {
	for _, args := range [][]string{{"demo", "--scale", "0"}, {"demo", "--scale", "-1"}, {"demo", "--scale", "1000"}, {"demo", "extra"}} {
		if code, _, errOut := runCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errOut)
		}
	}
}

// TestDemoNoGUI runs the whole command: it prints the day's steps and
// events, ends by itself after the "shutdown", shows the log line, and
// removes its directory.
func TestDemoNoGUI(t *testing.T) {
	nutlab.Require(t)
	lock := nutlab.LockUpsmon(t)
	defer lock.Close()
	code, out, errOut := runCmd(t, "demo", "--no-gui", "--scale", "0.15")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"[12:15] Power failure", "event ONBATT", "event CANCELLED", "event LOWBATT", "event SHUTDOWN",
		"demo: SHUTDOWNCMD ran", "no NUT process is left running"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`in (/\S*nutmeg-demo-\d+)\.`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no state directory in the output:\n%s", out)
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("the demo left %s behind (%v)", m[1], err)
	}
	if _, err := os.Stat(filepath.Join(m[1], "shutdown.log")); err == nil {
		t.Error("shutdown.log still there")
	}
}
