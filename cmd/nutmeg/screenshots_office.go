//go:build !nogui

package main

import (
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
	"github.com/nutmeg-ups/nutmeg/gui/window"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/wizard"
)

// officeShots are the small office's pictures (issue 13) under dir: the
// Advanced page's list of other UPSes to watch, the Review of a primary
// with Remote Monitor, the secondary's Find servers and the status
// window's Other UPSes tab.
func officeShots(dir string, d wizard.Deps) ([]string, error) {
	files, err := wizard.OfficeScreenshots(dir, d)
	if err != nil {
		return files, err
	}
	st := func(vars map[string]string) *client.Status {
		s := client.NewStatus("x", vars, time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC))
		return &s
	}
	readings := []window.WatchReading{
		{Watched: nut.Watched{Host: "192.168.1.10", Port: 3493, UPS: "rack"},
			Status: st(map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "64", "battery.runtime": "660", "ups.load": "40"}),
			Events: []string{"11:58:12 On battery"}},
		{Watched: nut.Watched{Host: "192.168.1.20", Port: 3493, UPS: "nas"},
			Status: st(map[string]string{"ups.status": "OL CHRG", "battery.charge": "97", "ups.load": "12"})},
		{Watched: nut.Watched{Host: "lab-pc", Port: 3493, UPS: "bench"}, Err: "connect to upsd at lab-pc:3493: no route to host",
			Events: []string{"11:40:02 Cannot be read"}},
	}
	app := test.NewApp()
	p := filepath.Join(dir, "window-other-upses.png")
	if err := writeFile(p, icon.PNG(window.RenderWatched(app, readings, fyne.NewSize(640, 520)))); err != nil {
		return files, err
	}
	return append(files, p), nil
}
