package wizard

import (
	"context"
	"path/filepath"

	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// OfficeScreenshots renders the small office's pages (issue 13) in the
// light theme into dir: the Advanced page's list of other UPSes to watch,
// the Review of a primary with Remote Monitor (what
// other machines need) and the secondary's server page after "Find
// servers". The addresses and the servers found are fixed examples, so the
// pictures do not depend on this machine's network.
func OfficeScreenshots(dir string, d Deps) ([]string, error) {
	d.Addresses = func() []string { return []string{"192.168.1.10", "office-pc"} }
	d.FindServers = func(_ context.Context, hosts []string, port int) ([]client.FoundServer, error) { return nil, nil }
	app := test.NewApp()
	app.Settings().SetTheme(ThemeVariant(Variants["light"]))
	f, err := Start(d)
	if err != nil {
		return nil, err
	}
	w := New(app, d, f)
	defer func() {
		w.close()
		w.Wait()
	}()
	w.Wait()
	var out []string
	shot := func(name string) error {
		var err error
		w.Locked(func() {
			p := filepath.Join(dir, name+".png")
			if err = writePNG(p, w.win.Canvas().Capture()); err == nil {
				out = append(out, p)
			}
		})
		return err
	}

	// The Advanced page's "Other UPSes to watch", with two entries.
	f.Settings.Watch = []nut.Watched{
		{Host: "192.168.1.10", Port: 3493, UPS: "rack", User: "viewer", Mail: true},
		{Host: "nas.local", Port: 3493, UPS: "nas"},
	}
	if f.Goto(flow.Advanced) {
		w.showPage()
		w.scroll.ScrollToBottom()
		if err := shot("advanced-watch-list"); err != nil {
			return out, err
		}
	}
	f.Settings.Watch = nil

	f.Settings.RMonitor = true
	if f.Goto(flow.Review) {
		w.showPage()
		w.review.join.OnShow() // the generated password, as after "Show"
		if err := shot("review-remote-monitor"); err != nil {
			return out, err
		}
	}
	f.Settings.RMonitor = false

	f.ChooseSecondary()
	if f.Goto(flow.Driver) {
		w.showPage()
		w.driver.servers.show([]client.FoundServer{
			{Addr: "192.168.1.10:3493", UPS: []client.FoundUPS{
				{Name: "ups", Description: "APC Back-UPS ES 700", Status: "On line power · 100% · load 23%"},
				{Name: "rack", Description: "Eaton 5E", Status: "On battery · 64% · 11 min left · load 40%"},
			}},
			{Addr: "192.168.1.20:3493", UPS: []client.FoundUPS{{Name: "nas", Status: "On line power · 97%"}}},
			{Addr: "nas.local:3493", Typed: true, Err: "cannot reach a NUT server at nas.local:3493: the name \"nas.local\" is not known on this network"},
		}, nil, f.Settings.RemotePort)
		if err := shot("secondary-find-servers"); err != nil {
			return out, err
		}
	}
	return out, nil
}
