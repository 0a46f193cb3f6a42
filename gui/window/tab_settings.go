package window

// The Settings tab: the summary of the settings and "Change…" (the wizard).

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// LoadSettings reads the settings again for the summary.
func (w *Window) LoadSettings() {
	w.settings = nil
	if w.cfg.Settings == nil {
		w.showSettings(errors.New("no settings file"))
		return
	}
	s, err := w.cfg.Settings()
	if err == nil {
		w.settings = &s
	}
	w.showSettings(err)
}

func (w *Window) showSettings(err error) {
	var objs []fyne.CanvasObject
	if w.settings != nil {
		for _, r := range SettingsRows(*w.settings) {
			v := widget.NewLabel(r.Text)
			v.Wrapping = fyne.TextWrapWord
			objs = append(objs, widget.NewLabelWithStyle(r.Label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}), v)
		}
		w.setNote.Hide()
	} else {
		w.setNote.SetText("No settings to show (" + err.Error() + "). \"Change…\" opens the setup wizard.")
		w.setNote.Show()
	}
	w.setForm.Objects = objs
	w.setForm.Refresh()
	w.showJoin()
	w.showWatch()
}

// onChange opens the setup wizard.
func (w *Window) onChange() {
	if w.cfg.StartWizard == nil {
		return
	}
	if err := w.cfg.StartWizard(); err != nil {
		dialog.ShowError(errors.New("the setup wizard did not start: "+err.Error()), w.win)
	}
}

// ShowError shows a problem in a dialog over the window (on the UI
// goroutine), e.g. when "Change…" could not open the wizard.
func (w *Window) ShowError(err error) {
	dialog.ShowError(err, w.win)
}
