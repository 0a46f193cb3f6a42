package flow

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
)

func confOptions() conf.Options { return conf.Options{StateDir: "/run/test"} }

func confRender(s nut.Settings) (conf.Files, error) { return conf.Render(s, confOptions()) }

// writeViews writes the real (unmasked) files of f into dir, as an
// earlier apply would have.
func writeViews(t *testing.T, dir string, f *Flow) {
	t.Helper()
	files, err := conf.Render(f.Settings, confOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if err := os.WriteFile(filepath.Join(dir, file.Name), []byte(file.Content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
