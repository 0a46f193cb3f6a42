package hw

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/nutmeg-ups/nutmeg/hw/driverdb"
	"github.com/nutmeg-ups/nutmeg/hw/serial"
	"github.com/nutmeg-ups/nutmeg/hw/usb"
)

// DefaultTimeout bounds each serial port's probe. Real units answer within
// a few hundred milliseconds at 2400 baud.
const DefaultTimeout = 1500 * time.Millisecond

// Options configures Probe. The zero value probes this machine.
type Options struct {
	USB      usb.Bus  // nil: the platform's real bus (sysfs on Linux)
	NoUSB    bool     // skip USB
	Ports    []string // serial ports to probe, listed or not; none: every listed port
	NoSerial bool     // skip listing serial ports (explicit Ports are still probed)
	// Enumerate lists serial ports; nil uses serial.Enumerate. Tests pass a
	// function that returns only their ptys.
	Enumerate func(explicit []string) ([]serial.Port, error)
	Timeout   time.Duration // per serial port; 0: DefaultTimeout

	DB    *driverdb.DB   // nil: loaded from Paths
	Paths driverdb.Paths // where NUT's files are

	// The NUT driver user whose access to USB nodes is checked.
	NUTUser    string // "" → "nut"
	PasswdFile string // "" → /etc/passwd
	GroupFile  string // "" → /etc/group
	USBNodeDir string // "" → /dev/bus/usb (tests: a fixture dir)
	// OptionChecker overrides asking the installed drivers which -x options
	// they accept (nil: ask them).
	OptionChecker func(driver, option string) bool
}

// Probe lists USB devices and serial ports, asks serial ports which UPS
// protocol they speak (in parallel, bounded by Timeout), and suggests NUT
// drivers, best first. An error means nothing could be listed; partial
// failures are Problems.
func Probe(ctx context.Context, o Options) (Report, error) {
	rep := Report{Devices: []Device{}, Suggestions: []Suggestion{}, Problems: []Problem{}}
	db := o.DB
	if db == nil {
		var err error
		if db, err = driverdb.Load(o.Paths); err != nil {
			return rep, fmt.Errorf("probe: %w", err)
		}
	}
	rep.DriverKnowledge = string(db.Source)
	if db.Source == driverdb.SourceBuiltin {
		rep.Problems = append(rep.Problems, Problem{Message: "NUT is not installed: suggestions come from Nutmeg's small built-in table of the big makers' USB IDs",
			Fix: "install NUT (apt install nut-server nut-client) and probe again"})
	}
	accepts := o.OptionChecker
	if accepts == nil {
		accepts = newHelpChecker(db).accepts
	}
	sg := suggester{db: db, accepts: accepts}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}

	// USB and serial run at the same time: USB string reads and the serial
	// probes both wait on hardware.
	var (
		wg      sync.WaitGroup
		usbDevs []usb.Device
		usbErr  error
		ports   []serial.Port
		results []serial.Result
		enumErr error
	)
	if !o.NoUSB {
		bus := o.USB
		if bus == nil {
			bus = systemUSB()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			usbDevs, usbErr = bus.Devices(ctx)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		ports, enumErr = listPorts(o)
		paths := make([]string, len(ports))
		for i, p := range ports {
			paths[i] = p.Path
		}
		results = serial.ProbeAll(ctx, paths, timeout)
	}()
	wg.Wait()

	if usbErr != nil {
		rep.Problems = append(rep.Problems, Problem{Message: "USB devices could not be listed: " + usbErr.Error()})
	}
	if enumErr != nil {
		rep.Problems = append(rep.Problems, Problem{Message: "serial ports could not be listed: " + enumErr.Error(), Fix: "name the port with --port PATH"})
	}

	acc, accErr := lookupNUTUser(o)
	adapters := map[string]string{} // "vid:pid" → serial port path
	for _, p := range ports {
		if p.USB && p.VID != "" {
			adapters[p.VID+":"+p.PID] = p.Path
		}
	}
	sort.SliceStable(usbDevs, func(i, j int) bool {
		if usbDevs[i].Bus != usbDevs[j].Bus {
			return usbDevs[i].Bus < usbDevs[j].Bus
		}
		return usbDevs[i].Address < usbDevs[j].Address
	})
	for _, d := range usbDevs {
		dev := usbDevice(d)
		sugs, note := sg.suggestUSB(dev, d)
		if tty, ok := adapters[d.ID()]; ok && len(sugs) == 0 {
			note = "USB-serial adapter: see serial port " + tty
		}
		dev.UPS, dev.Note = len(sugs) > 0, note
		if dev.UPS && d.StringsError != "" {
			rep.Problems = append(rep.Problems, Problem{Device: dev.ID, Message: "strings of " + d.ID() + " not readable: " + d.StringsError})
		}
		if dev.UPS {
			switch {
			case accErr != nil && db.Source == driverdb.SourceNUT:
				rep.Problems = append(rep.Problems, Problem{Device: dev.ID, Message: "cannot check the NUT user's access: " + accErr.Error()})
			case accErr == nil:
				node := filepath.Join(nodeDir(o), fmt.Sprintf("%03d", d.Bus), fmt.Sprintf("%03d", d.Address))
				a := usb.CheckAccess(node, acc, d.Vendor, d.Product)
				dev.Access = &a
				if !a.OK && a.Error == "" {
					rep.Problems = append(rep.Problems, Problem{Device: dev.ID, Message: a.Why, Fix: a.Fix + ": " + a.Rule})
				}
			}
		}
		rep.Devices = append(rep.Devices, dev)
		rep.Suggestions = append(rep.Suggestions, sugs...)
	}
	for i, p := range ports {
		r := results[i]
		dev := serialDevice(p, r)
		sugs, note := sg.suggestSerial(dev, r)
		dev.UPS, dev.Note = len(sugs) > 0, note
		if r.InUse {
			rep.Problems = append(rep.Problems, Problem{Device: dev.ID, Message: p.Path + " was skipped: " + r.Error,
				Fix: "if that is a NUT driver already driving this UPS, nothing needs doing; otherwise stop that program and probe again"})
		}
		rep.Devices = append(rep.Devices, dev)
		rep.Suggestions = append(rep.Suggestions, sugs...)
	}
	sortSuggestions(rep.Suggestions)
	return rep, ctx.Err()
}

func nodeDir(o Options) string {
	if o.USBNodeDir != "" {
		return o.USBNodeDir
	}
	return "/dev/bus/usb"
}

func lookupNUTUser(o Options) (usb.Account, error) {
	name, pw, gr := o.NUTUser, o.PasswdFile, o.GroupFile
	if name == "" {
		name = "nut"
	}
	if pw == "" {
		pw = "/etc/passwd"
	}
	if gr == "" {
		gr = "/etc/group"
	}
	return usb.LookupAccount(name, pw, gr)
}

func listPorts(o Options) ([]serial.Port, error) {
	explicit := func() []serial.Port {
		var out []serial.Port
		for _, p := range o.Ports {
			out = append(out, serial.Port{Path: p, Explicit: true})
		}
		return out
	}
	if o.NoSerial {
		return explicit(), nil
	}
	enum := o.Enumerate
	if enum == nil {
		enum = serial.Enumerate
	}
	ports, err := enum(o.Ports)
	if err != nil {
		return explicit(), err // still probe what the user named
	}
	if len(o.Ports) == 0 {
		return ports, nil
	}
	// Named ports only: the others may be a modem or a device a query
	// would disturb. The enumerator's entries keep their USB details.
	var named []serial.Port
	for _, p := range ports {
		if p.Explicit {
			named = append(named, p)
		}
	}
	return named, nil
}

func usbDevice(d usb.Device) Device {
	return Device{
		ID: fmt.Sprintf("usb:%03d:%03d", d.Bus, d.Address), Kind: "usb",
		Bus: d.Bus, Address: d.Address, Path: d.Path,
		VendorID: fmt.Sprintf("%04x", d.Vendor), ProductID: fmt.Sprintf("%04x", d.Product),
		Class: className(d), HID: d.HID,
		Manufacturer: d.Manufacturer, Product: d.ProductName, Serial: d.Serial,
		NotAccessible: d.StringsError,
	}
}

func serialDevice(p serial.Port, r serial.Result) Device {
	return Device{
		ID: "serial:" + p.Path, Kind: "serial", Path: p.Path,
		VendorID: p.VID, ProductID: p.PID, Product: p.Product, Serial: p.SerialNumber,
		Protocol: string(r.Protocol), Maker: r.Maker, Model: r.Model, Version: r.Version, Reply: r.Reply,
		Sent: r.Sent, InUse: r.InUse, Error: r.Error,
	}
}

// helpChecker asks an installed driver which -x options it accepts, from
// its -h output, once per driver.
type helpChecker struct {
	db    *driverdb.DB
	mu    sync.Mutex
	cache map[string]string
}

func newHelpChecker(db *driverdb.DB) *helpChecker {
	return &helpChecker{db: db, cache: map[string]string{}}
}

func (h *helpChecker) accepts(driver, option string) bool {
	a := h.db.Driver(driver)
	if !a.Installed {
		return true // unknown: keep the option; the suggestion is not ready anyway
	}
	h.mu.Lock()
	help, ok := h.cache[driver]
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		out, _ := exec.CommandContext(ctx, a.Binary, "-h").CombinedOutput()
		cancel()
		help = string(out)
		h.cache[driver] = help
	}
	h.mu.Unlock()
	if help == "" {
		return true
	}
	return regexp.MustCompile(`(?m)-x ` + regexp.QuoteMeta(option) + `(=|\s|$)`).MatchString(help)
}
