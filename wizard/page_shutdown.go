package wizard

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// shutdownPage is when and how this computer shuts down.
type shutdownPage struct {
	w *Wizard

	when                   *widget.RadioGroup
	whenRow                *row
	timer, runtimeLow      *row
	command                *row
	powerdown, postpone    *widget.Check
	powerdownRow, allowRow *row
	step, maxN             *row
	sentence               *widget.Label
}

func (p *shutdownPage) content() fyne.CanvasObject {
	w := p.w
	p.when = widget.NewRadioGroup([]string{T.WhenBatt, T.WhenLowBatt}, p.onWhen)
	p.when.Required = true
	p.whenRow = newRow("shutdown", T.ShutdownWhen, p.when)
	p.timer = w.textRow("shutdowntimer", T.Timer, "30", false, false)
	p.runtimeLow = w.textRow("runtimelow", T.RuntimeLow, T.RuntimeLowHint, false, false)
	p.command = w.textRow("shutdowncmd", T.Command, fmt.Sprintf(T.CommandHint, nut.DefaultShutdownCmd()), false, false)
	p.powerdown, p.powerdownRow = w.checkRow("powerdown", T.PowerDown)
	p.postpone, p.allowRow = w.checkRow("postpone.allowed", T.PostponeAllowed)
	p.step = w.textRow("postpone.step", T.PostponeStep, "300", false, false)
	p.maxN = w.textRow("postpone.max", T.PostponeMax, "3", false, false)
	p.sentence = note("")
	p.sentence.TextStyle = fyne.TextStyle{Bold: true}
	return container.NewVBox(note(T.ShutdownIntro), p.whenRow.box, p.timer.box, p.runtimeLow.box, p.command.box,
		p.powerdownRow.box, p.allowRow.box, p.step.box, p.maxN.box, widget.NewSeparator(), p.sentence)
}

func (p *shutdownPage) load() {
	w := p.w
	s := w.flow.Settings
	p.when.OnChanged = nil
	if s.Shutdown == nut.ShutdownLowBatt {
		p.when.SetSelected(T.WhenLowBatt)
	} else {
		p.when.SetSelected(T.WhenBatt)
	}
	p.when.OnChanged = p.onWhen
	for _, r := range []*row{p.timer, p.runtimeLow, p.command, p.step, p.maxN} {
		w.loadRow(r)
	}
	p.powerdown.SetChecked(s.PowerDown)
	p.postpone.SetChecked(s.Postpone.Allowed)
}

func (p *shutdownPage) refresh() {
	w := p.w
	for _, r := range []*row{p.whenRow, p.timer, p.runtimeLow, p.command, p.powerdownRow, p.allowRow, p.step, p.maxN} {
		w.refreshRow(r)
	}
	if !w.flow.Settings.Postpone.Allowed {
		p.step.box.Hide()
		p.maxN.box.Hide()
	}
	p.sentence.SetText(flow.ShutdownSentence(w.flow.Settings))
}

func (p *shutdownPage) onWhen(v string) {
	mode := nut.ShutdownBatt
	if v == T.WhenLowBatt {
		mode = nut.ShutdownLowBatt
	}
	p.w.flow.SetText("shutdown", mode)
	p.w.changed()
}
