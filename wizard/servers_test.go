package wizard

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/hw/usb"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// "Find servers" on the secondary's server page: nothing is contacted
// before the click; the scan (client.Scan, with this test machine's own
// networks left out: the netns test in nut/client covers the subnet walk)
// finds a real upsd by the name typed, lists its UPS with its state, and
// "Use" fills in the server, the port and the UPS name.
func TestFindServers(t *testing.T) {
	db := driverDB(t)
	lab := nutlab.New(t)
	lab.WriteBasic("nas", "nas.dev", "admin", "adminPw-1", filepath.Join(lab.Dir, "marker"))
	lab.WriteDev("nas.dev", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "64", "battery.runtime": "660"})
	lab.StartDriver("dummy-ups", "nas")
	lab.WaitDriverSocket("dummy-ups", "nas")
	lab.StartUpsd()
	lab.WaitReady("nas", 20*time.Second)
	free := nutlab.FreePort(t)

	var mu sync.Mutex
	var dialled []string
	e := newEnv(t)
	d := e.deps(t, db, &filesApplier{dir: e.confDir})
	d.Probe = probeWith(db, usb.Static{})
	d.FindServers = func(ctx context.Context, hosts []string, port int) ([]client.FoundServer, error) {
		return client.Scan(ctx, client.ScanOptions{Port: port, Hosts: hosts, Subnets: true,
			Addrs: func() ([]net.Addr, error) { return nil, nil },
			Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
				mu.Lock()
				dialled = append(dialled, addr)
				mu.Unlock()
				if ap, err := netip.ParseAddrPort(addr); err != nil || !ap.Addr().IsLoopback() {
					t.Errorf("the scan dials %s, not loopback", addr)
					return nil, net.ErrClosed
				}
				var nd net.Dialer
				return nd.DialContext(ctx, network, addr)
			}})
	}
	w := open(t, d, light())
	for i, o := range w.flow.Options() {
		if o.Source == flow.SourceSecondary {
			w.find.choices.SetSelected(w.find.titles[i])
		}
	}
	test.Tap(w.nextBtn)
	sf := w.driver.servers
	if w.flow.Page != flow.Driver || !sf.box.Visible() || !sf.find.Visible() {
		t.Fatal("no Find servers on the secondary's server page")
	}
	if len(dialled) > 0 {
		t.Fatalf("contacted %v before Find servers was clicked", dialled)
	}

	// Nothing answers on the chosen port.
	retype(w.driver.remotePort.entry, strconv.Itoa(free))
	test.Type(sf.names, "127.0.0.1")
	test.Tap(sf.find)
	w.Wait()
	w.Locked(func() {
		if !strings.Contains(sf.result.Text, "No NUT server answered on port "+strconv.Itoa(free)) {
			t.Errorf("nothing found says %q", sf.result.Text)
		}
		if len(sf.list.Objects) != 1 || !strings.Contains(sf.list.Objects[0].(*widget.Label).Text, "nothing listens on that port") {
			t.Errorf("the typed name's failure is not listed: %d rows", len(sf.list.Objects))
		}
	})

	// The server's port: found, with its UPS and state.
	retype(w.driver.remotePort.entry, strconv.Itoa(lab.Port))
	test.Tap(sf.find)
	w.Wait()
	w.Locked(func() {
		if !strings.HasPrefix(sf.result.Text, "Found 1 NUT server") {
			t.Errorf("found says %q", sf.result.Text)
		}
		test.AssertObjectRendersToMarkup(t, "servers/found.xml", sf.list)
	})
	if len(sf.uses) != 1 {
		t.Fatalf("%d Use buttons, want 1", len(sf.uses))
	}
	test.Tap(sf.uses[0])
	st := w.flow.Settings
	if st.RemoteHost != "127.0.0.1" || st.RemotePort != lab.Port || st.Identifier != "nas" || w.driver.host.entry.Text != "127.0.0.1" {
		t.Errorf("Use filled in host %q port %d UPS %q (entry %q)", st.RemoteHost, st.RemotePort, st.Identifier, w.driver.host.entry.Text)
	}
	if !strings.Contains(sf.result.Text, `Chosen: UPS "nas" on 127.0.0.1.`) {
		t.Errorf("after Use: %q", sf.result.Text)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("dialled %v", dialled)
}
