package wizard

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/hw"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// driverPage is the driver and port (primary) or the NUT server (secondary).
type driverPage struct {
	w *Wizard

	primary   *fyne.Container
	secondary *fyne.Container

	driver, options  *row
	port             *row
	portEntry        *widget.SelectEntry
	availability     *widget.Label
	search           *entry
	list             *widget.List
	all, shown       []driverItem
	test             *widget.Button
	testResult       *widget.Label
	host, remotePort *row
	servers          *serverFinder // the secondary's "Find servers" (page_servers.go)
}

// driverItem is one driver of one driver.list entry.
type driverItem struct {
	label   string
	search  string
	driver  string
	options map[string]string
}

func (p *driverPage) content() fyne.CanvasObject {
	w := p.w
	p.driver = w.textRow("driver", T.DriverLabel, "usbhid-ups", false, false)
	p.availability = note("")
	p.portEntry = widget.NewSelectEntry(nil)
	p.portEntry.OnChanged = func(v string) { w.flow.SetText("port", v); w.changed() }
	p.portEntry.OnSubmitted = func(string) { w.onKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }
	p.port = newRow("port", T.PortLabel, p.portEntry)
	p.options = w.textRow("driver_options", T.DriverOptionsLabel, T.DriverOptionsHint, true, false)

	p.search = newEntry(false, false, w.onCancel)
	p.search.SetPlaceHolder(T.DriverSearchHint)
	p.search.OnChanged = p.onSearch
	p.all = p.items()
	p.shown = p.all
	p.list = widget.NewList(func() int { return len(p.shown) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.shown[i].label) })
	p.list.OnSelected = p.onPick
	listBox := container.NewGridWrap(fyne.NewSize(520, 150), p.list)

	p.test = widget.NewButton(T.TestDriver, p.onTest)
	p.testResult = note("")
	if w.deps.Verify == nil {
		p.test.Hide()
	}

	p.primary = container.NewVBox(
		note(T.DriverIntro),
		p.driver.box, p.availability,
		widget.NewLabelWithStyle(T.DriverSearch, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.search, listBox,
		p.port.box, p.options.box,
		container.NewHBox(p.test), p.testResult,
	)
	p.host = w.textRow("remotehost", T.ServerHost, T.ServerHostHint, false, false)
	p.remotePort = w.textRow("remoteport", T.ServerPort, "3493", false, false)
	p.servers = &serverFinder{w: w}
	p.secondary = container.NewVBox(note(T.ServerIntro), p.host.box, p.remotePort.box, p.servers.content())
	return container.NewStack(p.primary, p.secondary)
}

// items lists every driver of NUT's compatibility list, one line per
// device and driver: maker, model, driver, support level.
func (p *driverPage) items() []driverItem {
	db := p.w.deps.Drivers
	if db == nil {
		return nil
	}
	var out []driverItem
	for _, e := range db.Entries {
		for _, d := range e.Drivers {
			model := strings.TrimSpace(e.Model + " " + e.ModelExtra)
			stars := strings.Repeat("★", e.Support) + strings.Repeat("☆", max(0, 5-e.Support))
			label := fmt.Sprintf("%s · %s · %s %s", e.Manufacturer, model, d.Name, stars)
			if av := db.Driver(d.Name); !av.Installed {
				label += " (not installed)"
			}
			out = append(out, driverItem{label: label, search: strings.ToLower(label + " " + e.Note),
				driver: d.Name, options: d.Options()})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].label < out[j].label })
	return out
}

func (p *driverPage) load() {
	w := p.w
	w.loadRow(p.driver)
	w.loadRow(p.options)
	p.portEntry.SetText(w.flow.Text("port"))
	w.loadRow(p.host)
	w.loadRow(p.remotePort)
	p.testResult.SetText("")
}

func (p *driverPage) refresh() {
	w := p.w
	f := w.flow
	if f.Settings.Mode == nut.ModeSecondary {
		p.primary.Hide()
		p.secondary.Show()
		w.refreshRow(p.host)
		w.refreshRow(p.remotePort)
		p.servers.refresh()
		return
	}
	p.secondary.Hide()
	p.primary.Show()
	w.refreshRow(p.driver)
	w.refreshRow(p.port)
	w.refreshRow(p.options)
	if flow.PortIsHost(f.Settings.Driver) {
		p.port.label.SetText(T.HostLabel)
		p.portEntry.SetOptions(nil)
		p.portEntry.SetPlaceHolder(T.ServerHostHint)
	} else {
		p.port.label.SetText(T.PortLabel)
		ports := []string{"auto"}
		if w.deps.SerialPorts != nil {
			ports = append(ports, w.deps.SerialPorts()...)
		}
		p.portEntry.SetOptions(ports)
		p.portEntry.SetPlaceHolder(T.PortHint)
	}
	p.availability.SetText("")
	if d := f.Settings.Driver; d != "" && w.deps.Drivers != nil {
		if av := w.deps.Drivers.Driver(d); av.Installed {
			p.availability.SetText(T.Installed)
		} else if av.Hint != "" {
			p.availability.SetText(T.NotInstalled + av.Hint)
		}
	}
	setEnabled(p.test, f.Settings.Driver != "" && f.Settings.Port != "")
}

func (p *driverPage) onSearch(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	p.shown = p.all
	if q != "" {
		p.shown = nil
		for _, it := range p.all {
			if strings.Contains(it.search, q) {
				p.shown = append(p.shown, it)
			}
		}
	}
	p.list.UnselectAll()
	p.list.Refresh()
}

// onPick takes a driver from the list, with the options its entry needs.
func (p *driverPage) onPick(id widget.ListItemID) {
	if id < 0 || id >= len(p.shown) {
		return
	}
	it := p.shown[id]
	p.w.flow.SetDriver(it.driver, it.options)
	p.driver.entry.SetText(it.driver)
	p.options.entry.SetText(p.w.flow.Text("driver_options"))
	p.w.changed()
}

// onTest starts the driver once on the chosen port (hw.Verify) and says
// what it read.
func (p *driverPage) onTest() {
	w := p.w
	s := w.flow.Settings
	sg := hw.Suggestion{Driver: s.Driver, Port: s.Port, Options: s.DriverOptions}
	p.testResult.Importance = widget.MediumImportance
	p.testResult.SetText(T.Testing)
	p.test.Disable()
	w.async(func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		v := w.deps.Verify(ctx, sg)
		return func() {
			p.test.Enable()
			if v.OK {
				p.testResult.Importance = widget.SuccessImportance
				p.testResult.SetText(T.TestOK + "ups.status " + v.Status)
				return
			}
			msg := strings.TrimSpace(v.Error + "\n" + v.Output)
			p.testResult.Importance = widget.DangerImportance
			text := T.TestFailed + msg
			if fx, ok := flow.KnownFix(msg); ok {
				text += "\n\n" + fx.Title + ": " + fx.Text + "\n" + fx.Command
			}
			p.testResult.SetText(text)
		}
	})
}
