//go:build !nogui

package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// `nutmeg screenshots --out DIR` writes every wizard page, every status
// window tab and every tray icon as a PNG, headless.
func TestScreenshots(t *testing.T) {
	nutlab.Require(t) // the driver list comes from NUT
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"screenshots", "--out", dir}, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	listed := strings.Fields(out.String())
	want := map[string]int{"wizard": 16, "window": 10, "tray": 18, "office": 4}
	got := map[string]int{}
	for _, p := range listed {
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			t.Fatal(err)
		}
		got[strings.Split(rel, string(filepath.Separator))[0]]++
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() < 22 {
			t.Fatalf("%s: %v %v", p, err, img.Bounds())
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d pictures, want %d", k, got[k], n)
		}
	}
	for _, name := range []string{"wizard/light/01-find.png", "wizard/dark/08-apply.png", "tray/on-battery-22.png"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}

func TestScreenshotsNeedsOut(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"screenshots"}, &env{stdout: &out, stderr: &errb}); code != 2 || !strings.Contains(errb.String(), "--out") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}
