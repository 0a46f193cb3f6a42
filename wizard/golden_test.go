package wizard

import (
	"context"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"

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
			app := sharedApp(Variants[name])
			shots, err := CapturePages(app, e.deps(t, db, &pictureApplier{files: filesApplier{dir: e.confDir}}), name+"/")
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

// pictureApplier is the Apply page's golden: the files are rendered and
// installed for real, and the NUT steps report what a successful apply
// reports (each step done), so the picture shows the page after a setup
// that worked rather than "Done" over four skipped steps. That the steps
// really run and prove the setup is TestApply*'s job, against real NUT.
type pictureApplier struct{ files filesApplier }

func (a *pictureApplier) Apply(ctx context.Context, s nut.Settings, progress func(step, state, detail string)) error {
	skipSkips := func(step, state, detail string) {
		if state != flow.StateSkipped {
			progress(step, state, detail)
		}
	}
	if err := a.files.Apply(ctx, s, skipSkips); err != nil {
		return err
	}
	for _, st := range []string{flow.StepDriver, flow.StepUpsd, flow.StepUpsmon, flow.StepStatus} {
		progress(st, flow.StateDone, "")
	}
	return nil
}
