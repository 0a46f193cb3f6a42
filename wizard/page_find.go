package wizard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// findPage runs the probe and offers what it found.
type findPage struct {
	w        *Wizard
	progress *widget.ProgressBarInfinite
	probing  *widget.Label
	devices  *widget.Label
	problems *widget.Label
	choices  *widget.RadioGroup
	reason   *widget.Label
	rescan   *widget.Button
	titles   []string
}

func (p *findPage) content() fyne.CanvasObject {
	p.progress = widget.NewProgressBarInfinite()
	p.progress.Stop()
	p.progress.Hide()
	p.probing = note(T.Probing)
	p.probing.Hide()
	p.devices = note("")
	p.problems = note("")
	p.problems.Importance = widget.WarningImportance
	p.problems.Hide()
	p.choices = widget.NewRadioGroup(nil, p.onChoose)
	p.reason = note("")
	p.reason.Importance = widget.MediumImportance
	p.reason.TextStyle = fyne.TextStyle{Italic: true}
	p.rescan = widget.NewButton(T.Rescan, p.onRescan)
	return container.NewVBox(
		note(T.FindIntro),
		p.progress, p.probing,
		p.devices, p.problems,
		widget.NewLabelWithStyle(T.ChooseUPS, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.choices, p.reason,
		container.NewHBox(p.rescan),
	)
}

func (p *findPage) load() { p.show() }

func (p *findPage) refresh() {
	f := p.w.flow
	if f.Probing {
		p.progress.Show()
		p.progress.Start()
		p.probing.Show()
		p.rescan.Disable()
	} else {
		p.progress.Stop()
		p.progress.Hide()
		p.probing.Hide()
		p.rescan.Enable()
	}
	p.reason.SetText("")
	opts := f.Options()
	if f.Selected >= 0 && f.Selected < len(opts) {
		p.reason.SetText(opts[f.Selected].Reason)
	}
}

// show rebuilds the lists from the flow's findings.
func (p *findPage) show() {
	f := p.w.flow
	found := f.Found
	var lines []string
	switch {
	case found.ProbeError != "":
		lines = append(lines, T.ProbeFailed+found.ProbeError)
	case f.Probing:
	case len(found.Report.Devices) == 0 || len(found.Report.Suggestions) == 0:
		lines = append(lines, T.NoDevices)
	}
	if dl := flow.DeviceLines(found.Report); len(dl) > 0 {
		lines = append(lines, T.FoundDevices)
		for _, l := range dl {
			lines = append(lines, "  • "+l)
		}
	}
	p.devices.SetText(strings.Join(lines, "\n"))
	var probs []string
	for _, pr := range found.Report.Problems {
		s := pr.Message
		if pr.Fix != "" {
			s += " — " + pr.Fix
		}
		probs = append(probs, "• "+s)
	}
	if found.ImportError != "" {
		probs = append(probs, "• "+found.ImportError)
	}
	if len(probs) > 0 {
		p.problems.SetText(T.ProbeProblems + "\n" + strings.Join(probs, "\n"))
		p.problems.Show()
	} else {
		p.problems.Hide()
	}
	p.titles = nil
	seen := map[string]int{}
	for _, o := range f.Options() {
		t := o.Title
		if n := seen[t]; n > 0 {
			t = fmt.Sprintf("%s (%d)", t, n+1) // the radio group needs distinct labels
		}
		seen[o.Title]++
		p.titles = append(p.titles, t)
	}
	p.choices.OnChanged = nil
	p.choices.Options = p.titles
	p.choices.Selected = ""
	if f.Selected >= 0 && f.Selected < len(p.titles) {
		p.choices.Selected = p.titles[f.Selected]
	}
	p.choices.Refresh()
	p.choices.OnChanged = p.onChoose
}

func (p *findPage) onChoose(title string) {
	f := p.w.flow
	for i, t := range p.titles {
		if t == title {
			if !f.Select(i) {
				// a driver that is not installed: keep the previous choice
				p.show()
			}
			break
		}
	}
	p.w.changed()
}

// onRescan runs the probe (and the import check) in the background.
func (p *findPage) onRescan() {
	w := p.w
	if w.deps.Probe == nil {
		w.flow.SetFound(p.importCheck(flow.Found{}))
		return
	}
	w.flow.Probing = true
	if w.flow.Page == flow.Find {
		p.show()
		w.changed()
	}
	w.async(func(ctx context.Context) func() {
		rep, err := w.deps.Probe(ctx)
		found := flow.Found{Report: rep}
		if err != nil && !errors.Is(err, context.Canceled) {
			found.ProbeError = err.Error()
		}
		found = p.importCheck(found)
		return func() {
			w.flow.SetFound(found)
			if w.flow.Page == flow.Find {
				p.show()
				w.changed()
			}
		}
	})
}

// importCheck looks for a hand-written NUT setup to offer. It only reads.
func (p *findPage) importCheck(found flow.Found) flow.Found {
	found.NoLocalNUT = p.w.deps.NoLocalNUT
	dir := p.w.deps.ImportDir
	if dir == "" {
		return found
	}
	hand, err := conf.HandWritten(dir)
	if err != nil || len(hand) == 0 {
		return found
	}
	s, err := conf.ImportDir(dir)
	if err != nil {
		found.ImportError = fmt.Sprintf("The NUT setup in %s could not be read: %v", dir, err)
		return found
	}
	found.ImportDir, found.Import = dir, &s
	return found
}
