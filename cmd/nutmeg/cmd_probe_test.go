package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/hw/serial/serialsim"
)

func TestProbeCommand(t *testing.T) {
	apc, err := serialsim.Start(&serialsim.APCSmart{ModelName: "Smart-UPS 750"})
	if err != nil {
		t.Fatal(err)
	}
	defer apc.Close()
	silent, err := serialsim.Start(serialsim.Silent{})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	// The APC has 40% of the timeout to answer its first query: 400 ms
	// left it 160 ms, which a loaded machine (make test runs its jobs side
	// by side) missed. The silent port costs the whole timeout either way.
	code, out, stderr := runCmd(t, "probe", "--json", "--no-serial", "--timeout", "2s", "--port", apc.Path, "--port", silent.Path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Devices []struct {
			ID, Protocol, Model string
		} `json:"devices"`
		Suggestions []struct {
			Device, Driver, Port, Confidence, Reason string
		} `json:"suggestions"`
		Problems        []any  `json:"problems"`
		DriverKnowledge string `json:"driver_knowledge"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var serialDevs int
	for _, d := range rep.Devices {
		if strings.HasPrefix(d.ID, "serial:") {
			serialDevs++
		}
	}
	if serialDevs != 2 {
		t.Errorf("want exactly the 2 named ports: %+v", rep.Devices)
	}
	found := false
	for _, s := range rep.Suggestions {
		if s.Port == apc.Path {
			found = s.Driver == "apcsmart" && s.Confidence == "high" && s.Device == "serial:"+apc.Path
		}
		if s.Port == silent.Path {
			t.Errorf("silent port suggested: %+v", s)
		}
	}
	if !found {
		t.Errorf("no apcsmart suggestion for %s: %+v", apc.Path, rep.Suggestions)
	}

	code, text, _ := runCmd(t, "probe", "--no-serial", "--timeout", "2s", "--port", apc.Path)
	if code != 0 || !strings.Contains(text, "apcsmart") || !strings.Contains(text, "Smart-UPS 750") {
		t.Errorf("text output (exit %d):\n%s", code, text)
	}
}

func TestProbeCommandBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"probe", "--timeout", "0s"},
		{"probe", "--port", "ttyS0"},
		{"probe", "extra"},
		{"probe", "--timeout", "soon"},
	} {
		if code, _, _ := runCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
