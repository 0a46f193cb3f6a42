package wizard

import (
	"os"
	"testing"

	"fyne.io/fyne/v2/test"
)

// Writes the pages to $NUTMEG_SHOTS for a look (not a check).
func TestWriteShots(t *testing.T) {
	out := os.Getenv("NUTMEG_SHOTS")
	if out == "" {
		t.Skip("set NUTMEG_SHOTS=DIR to write the pages")
	}
	db := driverDB(t)
	e := newEnv(t)
	d := e.deps(t, db, &filesApplier{dir: e.confDir})
	for name, v := range Variants {
		app := test.NewTempApp(t)
		app.Settings().SetTheme(ThemeVariant(v))
		shots, err := CapturePages(app, d, name+"/")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range shots {
			if err := writePNG(out+"/"+s.Name+".png", s.Image); err != nil {
				t.Fatal(err)
			}
		}
	}
}
