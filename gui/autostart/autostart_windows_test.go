package autostart

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/windows/registry"
)

func TestRunValueFollowsTheSetting(t *testing.T) {
	valueName = fmt.Sprintf("Nutmeg-test-%d", os.Getpid())
	defer Set(false, "")
	exe := `C:\Program Files\Nutmeg\nutmeg.exe`
	for i, on := range []bool{true, true, false, false, true, false} {
		if err := Set(on, exe); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if Enabled() != on {
			t.Fatalf("step %d: Enabled() = %v, want %v", i, !on, on)
		}
		k, err := registry.OpenKey(registry.CURRENT_USER, RunKey, registry.QUERY_VALUE)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := k.GetStringValue(valueName)
		k.Close()
		if on && (err != nil || v != `"C:\Program Files\Nutmeg\nutmeg.exe"`) {
			t.Fatalf("step %d: Run value %q, %v", i, v, err)
		}
		if !on && err == nil {
			t.Fatalf("step %d: Run value still there: %q", i, v)
		}
	}
}
