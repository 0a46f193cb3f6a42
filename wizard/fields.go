package wizard

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// entry is a widget.Entry that also takes Escape as Cancel: a focused
// widget gets every key, so the window alone would never see it.
type entry struct {
	widget.Entry
	onEscape func()
}

func newEntry(multi, password bool, onEscape func()) *entry {
	e := &entry{onEscape: onEscape}
	e.MultiLine = multi
	e.Password = password
	if multi {
		e.Wrapping = fyne.TextWrapOff
		e.SetMinRowsVisible(3)
	}
	e.AlwaysShowValidationError = true
	e.ExtendBaseWidget(e)
	return e
}

func (e *entry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(ev)
}

// row is one setting on a page: its label, its input and, under it, the
// rule it breaks (hidden while it is fine).
type row struct {
	key   string
	label *widget.Label
	input fyne.CanvasObject
	entry *entry // when the input is (or holds) an entry
	rule  *widget.Label
	box   *fyne.Container
}

func newRow(key, label string, input fyne.CanvasObject) *row {
	r := &row{key: key, label: widget.NewLabel(label), input: input}
	r.rule = widget.NewLabel("")
	r.rule.Importance = widget.DangerImportance
	r.rule.Wrapping = fyne.TextWrapWord
	r.rule.Hide()
	r.box = container.NewVBox(container.NewBorder(nil, nil, fixedLabel(r.label), nil, input), r.rule)
	return r
}

// labelWidth keeps the inputs of a page aligned.
const labelWidth = 190

func fixedLabel(l *widget.Label) fyne.CanvasObject {
	l.Truncation = fyne.TextTruncateEllipsis
	return container.NewGridWrap(fyne.NewSize(labelWidth, l.MinSize().Height), l)
}

// textRow is a row with an entry bound to a settings key of the flow.
func (w *Wizard) textRow(key, label, placeholder string, multi, password bool) *row {
	e := newEntry(multi, password, w.onCancel)
	e.SetPlaceHolder(placeholder)
	r := newRow(key, label, e)
	r.entry = e
	e.OnChanged = func(v string) {
		w.flow.SetText(key, v)
		w.changed()
	}
	if !multi {
		e.OnSubmitted = func(string) { w.onKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }
	}
	return r
}

// load puts the flow's value into the row's entry.
func (w *Wizard) loadRow(r *row) {
	if r.entry != nil {
		r.entry.SetText(w.flow.Text(r.key))
	}
}

// refreshRow shows the row only where the mode has the field, and its rule
// when the value breaks it.
func (w *Wizard) refreshRow(r *row) {
	if !w.flow.Visible(r.key) {
		r.box.Hide()
		return
	}
	r.box.Show()
	fe, bad := w.flow.FieldProblem(r.key)
	if bad {
		r.rule.SetText(fe.Rule)
		r.rule.Show()
	} else {
		r.rule.Hide()
	}
	if r.entry != nil {
		if bad {
			r.entry.SetValidationError(errors.New(fe.Rule))
		} else {
			r.entry.SetValidationError(nil)
		}
	}
}

// checkRow is a switch bound to a settings key.
func (w *Wizard) checkRow(key, label string) (*widget.Check, *row) {
	c := widget.NewCheck(label, func(v bool) {
		w.flow.SetBool(key, v)
		w.changed()
	})
	r := &row{key: key, input: c, rule: widget.NewLabel("")}
	r.rule.Importance = widget.DangerImportance
	r.rule.Hide()
	r.box = container.NewVBox(c, r.rule)
	return c, r
}

// note is a wrapped paragraph.
func note(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}
