package service

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// Another NUT server (the system's nut-server, say) already listens where
// this service's upsd is to listen. Its upsd would fail to listen there,
// and the service would find the other server, which may serve a UPS of the
// same name, and follow it as its own. The start fails instead, naming the
// port and the setting.
func TestPortTakenByAnotherNUTServer(t *testing.T) {
	other := nutlab.New(t)
	other.WriteBasic("ups", "ups.dev", labUser, labPass, "")
	other.WriteDev("ups.dev", dev("OL"))
	other.StartDriver("dummy-ups", "ups")
	other.StartUpsd()
	other.WaitReady("ups", 15*time.Second)

	lab := nutlab.New(t)
	lab.Port = other.Port
	lab.WriteBasic("ups", "ups.dev", labUser, labPass, "")
	lab.WriteDev("ups.dev", dev("OL"))
	lock := nutlab.LockUpsmon(t)
	defer lock.Close()
	sup := &Supervisor{Etc: lab.Etc, Run: lab.State, UPS: "ups", Driver: "dummy-ups", Addr: lab.Addr(), Root: nutlab.IsRoot()}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := sup.Start(ctx)
	if err == nil {
		sup.stopAll()
		t.Fatalf("the service started its NUT although another NUT server listens on %s", lab.Addr())
	}
	for _, want := range []string{"127.0.0.1:" + strconv.Itoa(lab.Port), "already in use", "NUT server port"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error %q does not say %q", err, want)
		}
	}
	if pids := sup.Pids(); len(pids) != 0 {
		t.Errorf("NUT processes left running: %v", pids)
	}
}
