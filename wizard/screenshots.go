package wizard

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// Shot is one rendered page.
type Shot struct {
	Name  string // "light/01-find"
	Image image.Image
}

// Variants are the theme variants screenshots and goldens are made in.
var Variants = map[string]fyne.ThemeVariant{"light": theme.VariantLight, "dark": theme.VariantDark}

// CapturePages walks a wizard in app through every page and captures each:
// the Find page with the probe's result, the settings pages, the Review,
// and the Apply page after the applier finished. app must use Fyne's
// software (test) driver; its theme is left as the caller set it.
func CapturePages(app fyne.App, d Deps, prefix string) ([]Shot, error) {
	f, err := Start(d)
	if err != nil {
		return nil, err
	}
	w := New(app, d, f)
	defer func() {
		w.close()
		w.Wait()
	}()
	w.Wait()
	var shots []Shot
	capture := func(p flow.Page) {
		w.Locked(func() {
			shots = append(shots, Shot{Name: fmt.Sprintf("%s%02d-%s", prefix, int(p)+1, p), Image: w.win.Canvas().Capture()})
		})
	}
	capture(flow.Find)
	if f.Source == flow.SourceNone {
		return shots, fmt.Errorf("the probe found nothing to choose: %s", f.Found.ProbeError)
	}
	for _, p := range []flow.Page{flow.Driver, flow.Access, flow.Shutdown, flow.Notify, flow.Advanced, flow.Review} {
		if !f.Goto(p) {
			return shots, fmt.Errorf("page %v not reachable: %v", p, f.Problems())
		}
		w.showPage()
		capture(p)
	}
	w.onNext()
	w.Wait()
	if w.deps.Status != nil {
		// let the live status arrive
		for i := 0; i < 100 && w.StatusText() == ""; i++ {
			sleep()
		}
	}
	capture(flow.Apply)
	return shots, nil
}

// Screenshots renders every page in light and dark theme to
// dir/<variant>/<NN>-<page>.png with Fyne's software renderer, headless.
func Screenshots(dir string, d Deps) ([]string, error) {
	var out []string
	for _, name := range []string{"light", "dark"} {
		app := test.NewApp()
		app.Settings().SetTheme(ThemeVariant(Variants[name]))
		shots, err := CapturePages(app, d, name+"/")
		if err != nil {
			return out, err
		}
		for _, s := range shots {
			p := filepath.Join(dir, s.Name+".png")
			if err := writePNG(p, s.Image); err != nil {
				return out, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func writePNG(path string, img image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
