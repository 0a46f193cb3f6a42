package conf

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// Debian's stock /etc/nut (testdata/debian-stock: the files of nut-server
// and nut-client 2.8.0-7 as installed) is NUT installed but not set up:
// neither hand-written nor importable, so the wizard's Find page has
// nothing to warn about and apply --system may replace it (keeping it).
func TestUnconfiguredAndHandWritten(t *testing.T) {
	stock := map[string]string{}
	for _, name := range ManagedNames {
		b, err := os.ReadFile(filepath.Join("testdata", "debian-stock", name))
		if err != nil {
			t.Fatal(err)
		}
		stock[name] = string(b)
	}
	with := func(name, extra string) map[string]string {
		m := map[string]string{}
		for k, v := range stock {
			m[k] = v
		}
		m[name] += extra
		return m
	}
	for _, tc := range []struct {
		name         string
		files        map[string]string
		unconfigured bool
		hand         []string
	}{
		{"debian stock", stock, true, nil},
		{"empty dir", map[string]string{}, true, nil},
		{"comments only", map[string]string{NutConf: "# MODE=none\n", UPSConf: "# [x]\n"}, true, nil},
		{"stock with a MONITOR line", with(UPSMonConf, "MONITOR ups@localhost 1 mon pw primary\n"), false, []string{UPSConf, UPSMonConf}},
		{"stock with a UPS section", with(UPSConf, "[ups]\n\tdriver = usbhid-ups\n\tport = auto\n"), false, []string{UPSConf, UPSMonConf}},
		{"stock with a user", with(UPSDUsers, "[admin]\n\tpassword = x\n"), false, []string{UPSConf, UPSDUsers, UPSMonConf}},
		{"MODE=standalone", with(NutConf, "MODE=standalone\n"), false, []string{NutConf, UPSConf, UPSMonConf}},
		{"MODE=none with a UPS", map[string]string{NutConf: "MODE=none\n", UPSConf: "[ups]\n\tdriver = dummy-ups\n\tport = x.dev\n"}, false, []string{UPSConf}},
		{"Nutmeg's own", map[string]string{NutConf: Marker + "\nMODE=none\n"}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, c := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			un, err := Unconfigured(dir)
			if err != nil || un != tc.unconfigured {
				t.Errorf("Unconfigured = %v, %v; want %v", un, err, tc.unconfigured)
			}
			hand, err := HandWritten(dir)
			if err != nil || !reflect.DeepEqual(hand, tc.hand) {
				t.Errorf("HandWritten = %v, %v; want %v", hand, err, tc.hand)
			}
		})
	}
}

// The first system-mode Install keeps the stock set in OriginalDir, and a
// second Install leaves that copy alone (the previous set moves on).
func TestInstallKeepsTheOriginalSetOnce(t *testing.T) {
	dir := t.TempDir()
	for _, name := range ManagedNames {
		b, err := os.ReadFile(filepath.Join("testdata", "debian-stock", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	before := dirFiles(t, dir)
	if err := Install(dir, render(t, combo{primary: true}), System); err != nil {
		t.Fatal(err)
	}
	if err := Install(dir, render(t, combo{batt: true}), System); err != nil {
		t.Fatal(err)
	}
	if got := dirFiles(t, filepath.Join(dir, OriginalDir)); !reflect.DeepEqual(got, before) {
		t.Fatalf("original set = %v, want the stock files", keys(got))
	}
	if got := dirFiles(t, filepath.Join(dir, PreviousDir)); !reflect.DeepEqual(got, filesMap(render(t, combo{primary: true}))) {
		t.Fatalf("previous set = %v, want the first Nutmeg set", keys(got))
	}
	// user mode keeps no original (its dir is Nutmeg's own)
	udir := t.TempDir()
	if err := Install(udir, render(t, combo{primary: true}), User); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(udir, OriginalDir)); err == nil {
		t.Fatal("user-mode Install kept an original set")
	}
}
