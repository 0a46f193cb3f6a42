package wizard

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// accessPage is identity and access: the UPS's name, the mode, the monitor
// user and password, extra users and Remote Monitor.
type accessPage struct {
	w *Wizard

	identifier, description, monuser, monpwd, extrausers *row
	mode                                                 *widget.RadioGroup
	modeRow                                              *row
	rmonitor                                             *widget.Check
	rmonitorRow                                          *row
	statement                                            *widget.Label
	remoteuser, remotepwd                                *row
	credentials                                          *widget.Label
	copyPwd, newPwd, copyRemote, newRemote               *widget.Button
	remoteBox                                            *fyne.Container
}

func (p *accessPage) content() fyne.CanvasObject {
	w := p.w
	p.identifier = w.textRow("identifier", T.Identifier, "ups", false, false)
	p.description = w.textRow("description", T.Description, "", false, false)
	p.mode = widget.NewRadioGroup([]string{T.ModePrimary, T.ModeSecondary}, p.onMode)
	p.mode.Required = true
	p.modeRow = newRow("mode", T.Mode, p.mode)
	p.monuser = w.textRow("monuser", T.MonUser, "upsmon", false, false)
	p.monpwd = w.textRow("monpwd", T.MonPwd, "", false, true)
	p.copyPwd = widget.NewButton(T.Copy, func() { p.onCopy("monpwd") })
	p.newPwd = widget.NewButton(T.Regenerate, func() { p.onRegenerate("monpwd") })
	p.monpwd.box.Objects[0] = container.NewBorder(nil, nil, fixedLabel(p.monpwd.label), container.NewHBox(p.copyPwd, p.newPwd), p.monpwd.entry)
	p.extrausers = w.textRow("extrausers", T.ExtraUsers, T.ExtraUsersHint, true, false)

	p.rmonitor, p.rmonitorRow = w.checkRow("rmonitor", T.RMonitor)
	p.statement = note("")
	p.remoteuser = w.textRow("remoteuser", T.RemoteUser, nut.DefaultRemoteUser, false, false)
	p.remotepwd = w.textRow("remotepwd", T.RemotePwd, "", false, true)
	p.copyRemote = widget.NewButton(T.Copy, func() { p.onCopy("remotepwd") })
	p.newRemote = widget.NewButton(T.Regenerate, func() { p.onRegenerate("remotepwd") })
	p.remotepwd.box.Objects[0] = container.NewBorder(nil, nil, fixedLabel(p.remotepwd.label), container.NewHBox(p.copyRemote, p.newRemote), p.remotepwd.entry)
	p.credentials = note("")
	p.credentials.TextStyle = fyne.TextStyle{Italic: true}
	p.remoteBox = container.NewVBox(p.statement, p.remoteuser.box, p.remotepwd.box, p.credentials)

	return container.NewVBox(note(T.AccessIntro),
		p.identifier.box, p.description.box, p.modeRow.box,
		p.monuser.box, p.monpwd.box, p.extrausers.box,
		p.rmonitorRow.box, p.remoteBox)
}

func (p *accessPage) load() {
	w := p.w
	for _, r := range []*row{p.identifier, p.description, p.monuser, p.monpwd, p.extrausers, p.remoteuser, p.remotepwd} {
		w.loadRow(r)
	}
	p.mode.OnChanged = nil
	if w.flow.Settings.Mode == nut.ModeSecondary {
		p.mode.SetSelected(T.ModeSecondary)
	} else {
		p.mode.SetSelected(T.ModePrimary)
	}
	p.mode.OnChanged = p.onMode
	p.rmonitor.SetChecked(w.flow.Settings.RMonitor)
}

func (p *accessPage) refresh() {
	w := p.w
	f := w.flow
	s := f.Settings
	secondary := s.Mode == nut.ModeSecondary
	pick := func(primary, second string) string {
		if secondary {
			return second
		}
		return primary
	}
	p.identifier.label.SetText(pick(T.Identifier, T.IdentifierSecondary))
	p.monuser.label.SetText(pick(T.MonUser, T.MonUserSecondary))
	p.monpwd.label.SetText(pick(T.MonPwd, T.MonPwdSecondary))
	for _, r := range []*row{p.identifier, p.description, p.modeRow, p.monuser, p.monpwd, p.extrausers, p.rmonitorRow, p.remoteuser, p.remotepwd} {
		w.refreshRow(r)
	}
	p.placeholders()
	setEnabled(p.copyPwd, s.MonPwd != "")
	setEnabled(p.copyRemote, s.RemotePwd != "")
	if secondary {
		p.newPwd.Hide() // the server's password is given, not made here
	} else {
		p.newPwd.Show()
	}
	if !secondary && s.RMonitor {
		p.remoteBox.Show()
		p.statement.SetText(fmt.Sprintf(T.RMonitorStatement, s.RemotePort))
		host := w.deps.Hostname
		if host == "" {
			host = T.ThisComputer
		}
		p.credentials.SetText(fmt.Sprintf(T.Credentials, host, s.RemotePort, s.Identifier, s.RemoteUser))
	} else {
		p.remoteBox.Hide()
	}
}

func (p *accessPage) placeholders() {
	f := p.w.flow
	for _, r := range []*row{p.monpwd, p.remotepwd} {
		if f.Kept(r.key) {
			r.entry.SetPlaceHolder(T.KeptPlaceholder)
		} else {
			r.entry.SetPlaceHolder("")
		}
	}
}

func (p *accessPage) onMode(v string) {
	mode := nut.ModePrimary
	if v == T.ModeSecondary {
		mode = nut.ModeSecondary
	}
	p.w.flow.SetText("mode", mode)
	p.w.changed()
}

func (p *accessPage) onCopy(key string) {
	p.w.app.Clipboard().SetContent(p.w.flow.Text(key))
}

func (p *accessPage) onRegenerate(key string) {
	p.w.flow.RegeneratePassword(key)
	r := p.monpwd
	if key == "remotepwd" {
		r = p.remotepwd
	}
	p.w.loadRow(r)
	p.w.changed()
}
