//go:build linux

package hw

import (
	"context"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/hw/serial"
	"github.com/nutmeg-ups/nutmeg/hw/serial/serialsim"
	"github.com/nutmeg-ups/nutmeg/hw/usb"
)

// BenchmarkProbe runs Probe end to end (NUT's files loaded, drivers asked
// for their options, USB devices turned into suggestions, 4 serial ports
// probed: a Megatec UPS, an APC Smart UPS and 2 silent ports) and reports
// the wall time. With a 500ms port timeout the whole should take about the
// slowest port's time (a silent port: 0.8 × timeout), not the sum.
func BenchmarkProbe(b *testing.B) {
	requireNUT(b)
	behaviors := []serialsim.Behavior{
		&serialsim.Megatec{Status: "230.4 140.0 230.1 023 50.0 27.4 35.0 00001000", Info: "#MEGATEC         MT1000     V2.1"},
		&serialsim.APCSmart{ModelName: "Smart-UPS 1500"},
		serialsim.Silent{},
		serialsim.Silent{},
	}
	var ports []serial.Port
	for _, beh := range behaviors {
		s, err := serialsim.Start(beh)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		ports = append(ports, serial.Port{Path: s.Path})
	}
	devs := usb.Static{
		{Bus: 1, Address: 2, Vendor: 0x051d, Product: 0x0002, HID: true, Manufacturer: "APC", ProductName: "Back-UPS ES 700", Serial: "4B1"},
		{Bus: 1, Address: 3, Vendor: 0x0764, Product: 0x0501, HID: true},
		{Bus: 1, Address: 4, Vendor: 0x0665, Product: 0x5161, HID: true},
		{Bus: 1, Address: 5, Vendor: 0x09ae, Product: 0x0001, HID: true},
		{Bus: 1, Address: 6, Vendor: 0x046d, Product: 0xc31c, HID: true},
		{Bus: 1, Address: 1, Vendor: 0x1d6b, Product: 0x0002, Class: 9},
	}
	const timeout = 500 * time.Millisecond
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		rep, err := Probe(context.Background(), Options{USB: devs, Timeout: timeout,
			Enumerate:  func([]string) ([]serial.Port, error) { return ports, nil },
			PasswdFile: "testdata/passwd", GroupFile: "testdata/group", USBNodeDir: b.TempDir()})
		total += time.Since(start)
		if err != nil || len(rep.Devices) != 10 {
			b.Fatalf("probe: %v, %d devices", err, len(rep.Devices))
		}
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "wall-ms/probe")
	b.ReportMetric(float64(timeout.Milliseconds()), "port-timeout-ms")
}
