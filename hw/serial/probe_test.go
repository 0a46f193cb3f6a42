//go:build linux

package serial

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/hw/serial/serialsim"
	"golang.org/x/sys/unix"
)

const q1 = "230.4 140.0 230.1 023 50.0 27.4 35.0 00001000"

// checkSafe asserts the probe's promise on everything a device received:
// only bytes from the probe's alphabet, no APC acting byte, no Megatec
// acting line, at most one '1'.
func checkSafe(t *testing.T, got []byte) {
	t.Helper()
	for _, b := range got {
		if strings.IndexByte("SUWA@KZDCTR+-\x0e", b) >= 0 {
			t.Errorf("forbidden byte %q sent; all bytes: %q", b, got)
		}
		if strings.IndexByte("Y\x01\rQ1I", b) < 0 {
			t.Errorf("byte %q is outside the probe's alphabet; all bytes: %q", b, got)
		}
	}
	if n := strings.Count(string(got), "1"); n > 1 {
		t.Errorf("%d '1' bytes sent (APC programming mode risk): %q", n, got)
	}
	lines := strings.Split(string(got), "\r")
	for _, l := range lines[:len(lines)-1] { // the last piece has no CR yet
		if l == "Q" || strings.HasPrefix(l, "T") || strings.HasPrefix(l, "S") || strings.HasPrefix(l, "C") {
			t.Errorf("acting Megatec line %q sent: %q", l, got)
		}
	}
}

func TestProbe(t *testing.T) {
	megatec := &serialsim.Megatec{Status: q1, Info: "#MEGATEC CORP.   MT1000     V2.1      "}
	cases := []struct {
		name     string
		dev      serialsim.Behavior
		proto    Protocol
		maker    string
		model    string
		received string // exact bytes the device must have received; "" = only safety
		answered bool
	}{
		{"megatec", megatec, Megatec, "MEGATEC CORP.", "MT1000", "Y\rQ1\rI\r", false},
		{"megatec unpadded info", &serialsim.Megatec{Status: "229.0 229.0 229.0 010 49.9 13.6 --.- 00001001", Info: "#Acme Pro1500 1.2"}, Megatec, "Acme", "Pro1500", "Y\rQ1\rI\r", false},
		{"apc smart", &serialsim.APCSmart{ModelName: "Smart-UPS 1500"}, APCSmart, "APC", "Smart-UPS 1500", "Y\x01", false},
		{"silent", serialsim.Silent{}, "", "", "", "Y\rQ1\r", false},
		{"echo (modem)", &serialsim.Echo{}, "", "", "", "Y\rQ1\r", true},
		{"garbage", serialsim.Garbage{Seed: 7}, "", "", "", "Y\rQ1\r", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim, err := serialsim.Start(c.dev)
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			const timeout = 600 * time.Millisecond
			start := time.Now()
			res := Probe(context.Background(), sim.Path, timeout)
			took := time.Since(start)
			time.Sleep(20 * time.Millisecond) // let the simulator record the last bytes
			got := sim.Received()
			checkSafe(t, got)
			if c.received != "" && string(got) != c.received {
				t.Errorf("device received %q, want %q", got, c.received)
			}
			if res.Protocol != c.proto || res.Maker != c.maker || res.Model != c.model {
				t.Errorf("got protocol %q maker %q model %q, want %q %q %q (%+v)", res.Protocol, res.Maker, res.Model, c.proto, c.maker, c.model, res)
			}
			if res.Answered != c.answered {
				t.Errorf("answered=%v, want %v", res.Answered, c.answered)
			}
			if res.Error != "" {
				t.Errorf("error: %s", res.Error)
			}
			// The hard timeout holds (with slack for a loaded machine).
			if took > timeout+time.Second {
				t.Errorf("probe took %v with a %v timeout", took, timeout)
			}
		})
	}
	if acts := megatec.Actions(); len(acts) != 0 {
		t.Errorf("the Megatec unit received acting commands: %q", acts)
	}
}

func TestProbeAllIsParallel(t *testing.T) {
	var sims []*serialsim.Sim
	var paths []string
	for i := 0; i < 4; i++ {
		sim, err := serialsim.Start(serialsim.Silent{})
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		sims = append(sims, sim)
		paths = append(paths, sim.Path)
	}
	// Each silent port holds its probe for the whole (long) timeout. Probed
	// one after another, the second port would hear nothing until the first
	// timed out; probed in parallel, every port gets its first byte at once.
	// So: wait until all four have received something, well before one
	// timeout could pass, then cancel. This asserts the structure, not speed.
	const timeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan []Result, 1)
	go func() { done <- ProbeAll(ctx, paths, timeout) }()
	deadline := time.Now().Add(timeout / 2)
	for all := false; !all; {
		select {
		case <-done:
			t.Fatal("ProbeAll returned before it was cancelled")
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("not every port was probed while the first one waited: probes are not parallel")
		}
		all = true
		for _, sim := range sims {
			all = all && len(sim.Received()) > 0
		}
	}
	cancel()
	var res []Result
	select {
	case res = <-done:
	case <-time.After(timeout / 2):
		t.Fatal("ProbeAll did not end when cancelled")
	}
	for i, r := range res {
		if r.Port != paths[i] || r.Protocol != "" {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	for _, sim := range sims {
		checkSafe(t, sim.Received())
	}
}

func TestProbeCancelled(t *testing.T) {
	sim, err := serialsim.Start(serialsim.Silent{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	res := Probe(ctx, sim.Path, 10*time.Second)
	if time.Since(start) > 5*time.Second || res.Error == "" {
		t.Errorf("cancel did not end the probe: %v %+v", time.Since(start), res)
	}
}

func TestProbeSkipsPortInUse(t *testing.T) {
	t.Run("held by another process", func(t *testing.T) {
		sim, err := serialsim.Start(&serialsim.APCSmart{ModelName: "x"})
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		release, err := sim.HoldInOtherProcess()
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		res := Probe(context.Background(), sim.Path, 300*time.Millisecond)
		if !res.InUse || !strings.Contains(res.Error, "sleep") {
			t.Errorf("want in use by sleep, got %+v", res)
		}
		if got := sim.Received(); len(got) != 0 {
			t.Errorf("a port in use received %q", got)
		}
	})
	t.Run("locked", func(t *testing.T) {
		sim, err := serialsim.Start(&serialsim.APCSmart{ModelName: "x"})
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		f, err := os.OpenFile(sim.Path, os.O_RDWR|unix.O_NOCTTY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			t.Fatal(err)
		}
		res := Probe(context.Background(), sim.Path, 300*time.Millisecond)
		if !res.InUse || !strings.Contains(res.Error, "locked") {
			t.Errorf("want locked, got %+v", res)
		}
		if got := sim.Received(); len(got) != 0 {
			t.Errorf("a locked port received %q", got)
		}
	})
}

func TestProbeNotATTY(t *testing.T) {
	p := t.TempDir() + "/file"
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	res := Probe(context.Background(), p, 100*time.Millisecond)
	if res.Error == "" || res.InUse || len(res.Sent) != 0 {
		t.Errorf("a regular file must fail before anything is sent: %+v", res)
	}
	if res := Probe(context.Background(), "/dev/nonexistent-tty", 100*time.Millisecond); res.Error == "" {
		t.Error("missing port must report an error")
	}
}

func TestParseMegatecInfo(t *testing.T) {
	cases := []struct{ in, maker, model, version string }{
		{"#MEGATEC CORP.   MT1000     V2.1      ", "MEGATEC CORP.", "MT1000", "V2.1"},
		{"#Acme Pro1500 1.2", "Acme", "Pro1500", "1.2"},
		{"#Two Words Co    Model X    1.0", "Two Words Co", "Model X", "1.0"},
		{"#Acme", "Acme", "", ""},
		{"#", "", "", ""},
	}
	for _, c := range cases {
		m, mo, v := parseMegatecInfo(c.in)
		if m != c.maker || mo != c.model || v != c.version {
			t.Errorf("%q: got %q %q %q", c.in, m, mo, v)
		}
	}
}

func TestEnumerate(t *testing.T) {
	ports, err := Enumerate([]string{"/dev/pts/999", "/dev/pts/999"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range ports {
		if p.Path == "/dev/pts/999" {
			n++
			if !p.Explicit {
				t.Error("explicit port not marked")
			}
		}
	}
	if n != 1 {
		t.Errorf("explicit port listed %d times", n)
	}
}
