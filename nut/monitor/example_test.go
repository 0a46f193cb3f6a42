package monitor_test

import (
	"context"
	"log"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/monitor"
)

// How `nutmeg service` runs the monitor for a secondary on a machine
// without NUT: events go to the event log and the tray, each poll to the
// status display, and Nutmeg's own countdown (shutdown "batt", runtimelow)
// ends in ForceShutdown, as it ends in `upsmon -c fsd` on Linux.
func Example() {
	m, err := monitor.New(monitor.Config{
		Addr:        "nas.local:3493",
		UPS:         "ups",
		User:        "upsmon",
		Password:    "from the keyring",
		ShutdownCmd: `C:\Windows\System32\shutdown.exe /s /f /t 0`,
		OnEvent: func(e monitor.Event) {
			log.Printf("%s: %s", e.Name, e.Message)
		},
		OnStatus: func(st client.Status) {
			// update the tray; start Nutmeg's countdown on OB, and so on
		},
	})
	if err != nil {
		log.Fatal(err) // a message naming the field
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		time.Sleep(time.Hour) // Nutmeg's countdown ran out
		m.ForceShutdown()
	}()
	// Run returns when ctx ends; the shutdown command's outcome comes as
	// events (SHUTDOWN, SHUTDOWN_FAILED) and in m.State().
	_ = m.Run(ctx)
}
