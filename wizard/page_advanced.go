package wizard

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// advancedPage holds the timers and the extra NUT lines, each checked as
// it is typed (nut.Validate runs NUT's tokenizer, nut/nutquote).
type advancedPage struct {
	w *Wizard

	listen, nocomm, hostsync, options, optionsupsd *row
	autostart                                      *widget.Check
	autostartRow                                   *row
	watch                                          *watchEditor // Other UPSes to watch (page_watch.go)
}

func (p *advancedPage) content() fyne.CanvasObject {
	w := p.w
	p.listen = w.textRow("remoteport", T.ListenPort, "3493", false, false)
	p.nocomm = w.textRow("nocommwarntime", T.NoCommWarn, "300", false, false)
	p.hostsync = w.textRow("hostsync", T.HostSync, "15", false, false)
	p.options = w.textRow("options", T.Options, T.OptionsHint, true, false)
	p.optionsupsd = w.textRow("optionsupsd", T.OptionsUPSD, T.OptionsUPSDHint, true, false)
	p.autostart, p.autostartRow = w.checkRow("autostart", T.Autostart)
	p.watch = &watchEditor{w: w}
	return container.NewVBox(note(T.AdvancedIntro), p.listen.box, p.nocomm.box, p.hostsync.box,
		p.options.box, p.optionsupsd.box, p.autostartRow.box, p.watch.content())
}

func (p *advancedPage) rows() []*row {
	return []*row{p.listen, p.nocomm, p.hostsync, p.options, p.optionsupsd}
}

func (p *advancedPage) load() {
	for _, r := range p.rows() {
		p.w.loadRow(r)
	}
	p.autostart.SetChecked(p.w.flow.Settings.Autostart)
	p.watch.load()
}

func (p *advancedPage) refresh() {
	for _, r := range append(p.rows(), p.autostartRow) {
		p.w.refreshRow(r)
	}
	// the primary's listening port; a secondary sets the server's port
	// beside its host
	if p.w.flow.PageOf("remoteport") != p.w.flow.Page {
		p.listen.box.Hide()
	}
	p.watch.refresh()
}
