package tray

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

// TestTrayDoesNotImportFyne: the tray runs all day, so its binary must not
// link Fyne's window driver or GL (docs/architecture.md, Processes). go list -deps gives every
// package that the tray package and the nutmeg-tray binary build from.
func TestTrayDoesNotImportFyne(t *testing.T) {
	goBin := testneed.Tool(t, "go")
	for _, pkg := range []string{"github.com/nutmeg-ups/nutmeg/gui/tray", "github.com/nutmeg-ups/nutmeg/cmd/nutmeg-tray"} {
		out, err := exec.Command(goBin, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 50 || !contains(deps, "fyne.io/systray") {
			t.Fatalf("%s: implausible dependency list (%d packages, no fyne.io/systray)", pkg, len(deps))
		}
		for _, d := range deps {
			if strings.HasPrefix(d, "fyne.io/fyne/") || strings.Contains(d, "go-gl/") || strings.Contains(d, "glfw") {
				t.Errorf("%s depends on %s", pkg, d)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
