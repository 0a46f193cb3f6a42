package wizard

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// serverTexts are the words of the secondary's "Find servers" (kept apart
// from texts.go, which the other pages share).
type serverTexts struct {
	Intro, Names, NamesHint, Find, Finding, NoneFound, Found, Use, Failed, Chosen string
}

// TS is the English set.
var TS = serverTexts{
	Intro:     "Or let Nutmeg look for NUT servers: it tries port %d on every address of this computer's own networks (a /24 at most) and on the names below. Nothing is contacted until you click Find servers.",
	Names:     "Also try",
	NamesHint: "more names or addresses, separated by spaces or commas",
	Find:      "Find servers",
	Finding:   "Looking for NUT servers…",
	NoneFound: "No NUT server answered on port %d. Is NUT running there with its network access on (Remote Monitor on a Nutmeg primary)?",
	Found:     "Found %d NUT server(s). Choose the UPS this computer is powered by:",
	Use:       "Use",
	Failed:    "The search failed: ",
	Chosen:    "Chosen: UPS %q on %s.",
}

// FindServers looks for NUT servers on port: this machine's subnets and
// the typed hosts (client.Scan in the app).
type FindServers func(ctx context.Context, hosts []string, port int) ([]client.FoundServer, error)

// serverFinder is the secondary's "Find servers": a scan that the user
// starts, listing each server's UPSes with their state; "Use" fills in the
// server, its port and the UPS name.
type serverFinder struct {
	w        *Wizard
	intro    *widget.Label
	names    *widget.Entry
	find     *widget.Button
	progress *widget.ProgressBarInfinite
	result   *widget.Label
	list     *fyne.Container
	box      *fyne.Container
	found    []client.FoundServer
	uses     []*widget.Button // one "Use" per UPS listed
}

func (p *serverFinder) content() fyne.CanvasObject {
	p.intro = note("")
	p.names = widget.NewEntry()
	p.names.SetPlaceHolder(TS.NamesHint)
	p.find = widget.NewButton(TS.Find, p.onFind)
	p.progress = widget.NewProgressBarInfinite()
	p.progress.Stop()
	p.progress.Hide()
	p.result = note("")
	p.result.Hide()
	p.list = container.NewVBox()
	p.box = container.NewVBox(widget.NewSeparator(), p.intro,
		container.NewBorder(nil, nil, fixedLabel(widget.NewLabel(TS.Names)), nil, p.names),
		container.NewHBox(p.find), p.progress, p.result, p.list)
	if p.w.deps.FindServers == nil {
		p.box.Hide()
	}
	return p.box
}

func (p *serverFinder) refresh() {
	p.intro.SetText(fmt.Sprintf(TS.Intro, p.w.flow.Settings.RemotePort))
}

// hosts are the names typed in "Also try" and the server field.
func (p *serverFinder) hosts() []string {
	words := strings.FieldsFunc(p.names.Text, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	if h := strings.TrimSpace(p.w.flow.Settings.RemoteHost); h != "" {
		words = append([]string{h}, words...)
	}
	return words
}

func (p *serverFinder) onFind() {
	w := p.w
	port := w.flow.Settings.RemotePort
	hosts := p.hosts()
	p.find.Disable()
	p.progress.Show()
	p.progress.Start()
	p.result.Importance = widget.MediumImportance
	p.result.SetText(TS.Finding)
	p.result.Show()
	p.list.RemoveAll()
	w.async(func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		found, err := w.deps.FindServers(ctx, hosts, port)
		return func() { p.show(found, err, port) }
	})
}

func (p *serverFinder) show(found []client.FoundServer, err error, port int) {
	p.find.Enable()
	p.progress.Stop()
	p.progress.Hide()
	p.found = found
	p.list.RemoveAll()
	p.uses = nil
	servers := 0
	for _, s := range found {
		if s.Err != "" {
			l := note(s.Err)
			l.Importance = widget.WarningImportance
			p.list.Add(l)
			continue
		}
		servers++
		host := serverLabel(s.Addr, port)
		if len(s.UPS) == 0 {
			p.list.Add(note(host + ": serves no UPS"))
		}
		for _, u := range s.UPS {
			label := fmt.Sprintf("%s · %s", host, u.Name)
			if u.Description != "" && u.Description != "Unavailable" {
				label += " (" + u.Description + ")"
			}
			text := widget.NewLabel(label + " — " + u.Status)
			text.Truncation = fyne.TextTruncateEllipsis
			use := widget.NewButton(TS.Use, func() { p.onUse(s.Addr, u.Name) })
			p.uses = append(p.uses, use)
			p.list.Add(container.NewBorder(nil, nil, nil, use, text))
		}
	}
	switch {
	case err != nil && len(found) == 0:
		p.result.Importance = widget.DangerImportance
		p.result.SetText(TS.Failed + err.Error())
	case servers == 0:
		p.result.Importance = widget.WarningImportance
		p.result.SetText(fmt.Sprintf(TS.NoneFound, port))
	default:
		p.result.Importance = widget.MediumImportance
		p.result.SetText(fmt.Sprintf(TS.Found, servers))
	}
	p.w.changed()
}

// serverLabel shows host:port, or the host alone on the chosen port.
func serverLabel(addr string, port int) string {
	h, pt, err := net.SplitHostPort(addr)
	if err != nil || pt != strconv.Itoa(port) {
		return addr
	}
	return h
}

// onUse fills in the server, its port and the UPS name.
func (p *serverFinder) onUse(addr, ups string) {
	w := p.w
	h, pt, err := net.SplitHostPort(addr)
	if err != nil {
		return
	}
	w.flow.SetText("remotehost", h)
	w.flow.SetText("remoteport", pt)
	w.flow.SetText("identifier", ups)
	w.driver.load()
	p.result.Importance = widget.SuccessImportance
	p.result.SetText(fmt.Sprintf(TS.Chosen, ups, serverLabel(addr, w.flow.Settings.RemotePort)))
	w.changed()
}
