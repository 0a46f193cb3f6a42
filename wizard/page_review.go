package wizard

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/gui/joininfo"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// reviewPage says in words what will be set up and shows the exact files.
type reviewPage struct {
	w *Wizard

	summary   *widget.Label
	problems  *widget.Label
	customize *widget.Button
	tabs      *container.AppTabs
	renderErr *widget.Label
	join      *joininfo.Panel // what other machines need (review_join.go)
}

func (p *reviewPage) content() fyne.CanvasObject {
	p.summary = note("")
	p.problems = note("")
	p.problems.Importance = widget.DangerImportance
	p.customize = widget.NewButton(T.Customize, p.onCustomize)
	p.tabs = container.NewAppTabs()
	p.renderErr = note("")
	p.renderErr.Importance = widget.DangerImportance
	p.join = joininfo.New(p.w.app.Clipboard)
	return container.NewVBox(note(T.ReviewIntro), p.summary, p.problems, container.NewHBox(p.customize), p.join.Object(),
		widget.NewLabelWithStyle(T.Files, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), p.renderErr, p.tabs)
}

func (p *reviewPage) load() {
	w := p.w
	f := w.flow
	lines := flow.Summary(f)
	for i := range lines {
		lines[i] = "• " + lines[i]
	}
	p.summary.SetText(strings.Join(lines, "\n"))
	p.showJoin()
	if f.Quick {
		p.customize.Show()
	} else {
		p.customize.Hide()
	}

	p.tabs.SetItems(nil)
	p.renderErr.Hide()
	files, err := f.Files(w.deps.Render, w.deps.ConfDir)
	if err != nil {
		p.renderErr.SetText(err.Error())
		p.renderErr.Show()
		return
	}
	for _, fv := range files {
		title := fv.Name
		if fv.Change != "new" {
			title += " (" + T.Changes[fv.Change] + ")"
		}
		// long lines scroll sideways instead of widening the page
		p.tabs.Append(container.NewTabItem(title, container.NewHScroll(fileGrid(fv))))
	}
}

// fileGrid shows a file in a fixed-width font: its diff against the
// current file when there is one (added lines green, removed red).
func fileGrid(fv flow.FileView) fyne.CanvasObject {
	g := widget.NewTextGrid()
	if fv.Diff == nil {
		g.SetText(strings.TrimSuffix(fv.Text, "\n"))
		return g
	}
	g.SetText(strings.TrimSuffix(flow.DiffText(fv.Diff), "\n"))
	for i, d := range fv.Diff {
		switch d.Op {
		case '+':
			g.SetRowStyle(i, &widget.CustomTextGridStyle{FGColor: theme.Color(theme.ColorNameSuccess)})
		case '-':
			g.SetRowStyle(i, &widget.CustomTextGridStyle{FGColor: theme.Color(theme.ColorNameError)})
		}
	}
	return g
}

func (p *reviewPage) refresh() {
	var out []string
	for _, fe := range p.w.flow.Problems()[flow.Review] {
		out = append(out, "• "+fe.Field+": "+fe.Rule)
	}
	if len(out) == 0 {
		p.problems.Hide()
		return
	}
	p.problems.SetText(T.HiddenProblems + "\n" + strings.Join(out, "\n"))
	p.problems.Show()
}

func (p *reviewPage) onCustomize() {
	p.w.flow.Customize()
	p.w.showPage()
}
