package wizard

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// notifyPage is email: on/off, addresses, subject, events, the SMTP server
// and a test message.
type notifyPage struct {
	w *Wizard

	email                                     *widget.Check
	emailRow                                  *row
	to, subject, host, port, user, pass, from *row
	events                                    map[string]*widget.Check
	eventsRow                                 *row
	tls                                       *widget.Select
	tlsRow                                    *row
	send                                      *widget.Button
	result                                    *widget.Label
	details                                   *fyne.Container
}

func (p *notifyPage) content() fyne.CanvasObject {
	w := p.w
	p.email, p.emailRow = w.checkRow("emailnotify", T.EmailNotify)
	p.to = w.textRow("toemail", T.ToEmail, T.ToEmailHint, false, false)
	p.subject = w.textRow("subject", T.Subject, T.SubjectHint, false, false)
	p.events = map[string]*widget.Check{}
	grid := container.NewGridWithColumns(3)
	for _, ev := range nut.NotifyEvents {
		c := widget.NewCheck(ev, func(bool) { p.onEvents() })
		p.events[ev] = c
		grid.Add(c)
	}
	p.eventsRow = newRow("emailevents", T.EmailEvents, grid)
	p.host = w.textRow("smtp.host", T.SMTPHost, "smtp.example.com", false, false)
	p.port = w.textRow("smtp.port", T.SMTPPort, "587", false, false)
	p.tls = widget.NewSelect([]string{nut.TLSStartTLS, nut.TLSImplicit, nut.TLSNone}, func(v string) {
		w.flow.SetText("smtp.tls", v)
		w.changed()
	})
	p.tlsRow = newRow("smtp.tls", T.SMTPTLS, p.tls)
	p.user = w.textRow("smtp.username", T.SMTPUser, "", false, false)
	p.pass = w.textRow("smtp.password", T.SMTPPassword, "", false, true)
	p.from = w.textRow("smtp.from", T.SMTPFrom, "ups@example.com", false, false)
	p.send = widget.NewButton(T.SendTest, p.onSendTest)
	p.result = note("")
	if w.deps.SendTestMail == nil {
		p.send.Hide()
	}
	p.details = container.NewVBox(p.to.box, p.subject.box, p.eventsRow.box, p.host.box, p.port.box, p.tlsRow.box,
		p.user.box, p.pass.box, p.from.box, container.NewHBox(p.send), p.result)
	return container.NewVBox(p.emailRow.box, p.details)
}

func (p *notifyPage) rows() []*row {
	return []*row{p.to, p.subject, p.host, p.port, p.user, p.pass, p.from}
}

func (p *notifyPage) load() {
	w := p.w
	s := w.flow.Settings
	p.email.SetChecked(s.EmailNotify)
	for _, r := range p.rows() {
		w.loadRow(r)
	}
	on := map[string]bool{}
	for _, ev := range s.EmailEvents {
		on[ev] = true
	}
	for ev, c := range p.events {
		c.OnChanged = nil
		c.SetChecked(on[ev])
		c.OnChanged = func(bool) { p.onEvents() }
	}
	p.tls.SetSelected(s.SMTP.TLS)
	p.result.SetText("")
}

func (p *notifyPage) refresh() {
	w := p.w
	_, bad := w.flow.Problems()[w.flow.Page]
	if !w.flow.Settings.EmailNotify && !bad {
		p.details.Hide()
		return
	}
	p.details.Show()
	for _, r := range append(p.rows(), p.eventsRow, p.tlsRow, p.emailRow) {
		w.refreshRow(r)
	}
	if w.flow.Kept("smtp.password") {
		p.pass.entry.SetPlaceHolder(T.KeptPlaceholder)
	} else {
		p.pass.entry.SetPlaceHolder("")
	}
	setEnabled(p.send, !bad)
}

func (p *notifyPage) onEvents() {
	var evs []string
	for ev, c := range p.events {
		if c.Checked {
			evs = append(evs, ev)
		}
	}
	p.w.flow.SetEmailEvents(evs)
	p.w.changed()
}

// onSendTest sends the test message with the settings as they are on the
// page (the keyring's password when it is kept there).
func (p *notifyPage) onSendTest() {
	w := p.w
	s, err := withSecrets(w.flow, w.deps.Store)
	if err != nil {
		p.result.Importance = widget.DangerImportance
		p.result.SetText(err.Error())
		return
	}
	p.result.Importance = widget.MediumImportance
	p.result.SetText(T.Sending)
	p.send.Disable()
	w.async(func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		err := w.deps.SendTestMail(ctx, s)
		return func() {
			p.send.Enable()
			if err != nil {
				p.result.Importance = widget.DangerImportance
				p.result.SetText(err.Error())
				return
			}
			p.result.Importance = widget.SuccessImportance
			p.result.SetText(T.TestSent)
		}
	})
}
