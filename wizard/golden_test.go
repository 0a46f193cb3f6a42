package wizard

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// Every page in light and dark theme, as Fyne's software renderer draws
// it, against the goldens in testdata/pages (a mismatch writes the new
// image to testdata/failed/pages for review).
func TestPagesGolden(t *testing.T) {
	db := driverDB(t)
	for _, name := range []string{"light", "dark"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			app := test.NewTempApp(t)
			app.Settings().SetTheme(ThemeVariant(Variants[name]))
			shots, err := CapturePages(app, e.deps(t, db, &filesApplier{dir: e.confDir}), name+"/")
			if err != nil {
				t.Fatal(err)
			}
			if len(shots) != 8 {
				t.Fatalf("%d pages captured, want 8", len(shots))
			}
			for _, s := range shots {
				test.AssertImageMatches(t, "pages/"+s.Name+".png", s.Image)
			}
		})
	}
}
