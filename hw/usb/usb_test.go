//go:build !windows

package usb

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestLookupAccount(t *testing.T) {
	acc, err := LookupAccount("nut", "testdata/passwd", "testdata/group")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Account{Name: "nut", UID: 102, GIDs: []int{105, 46}}); !reflect.DeepEqual(acc, want) {
		t.Errorf("got %+v want %+v", acc, want)
	}
	if _, err := LookupAccount("nobody-here", "testdata/passwd", "testdata/group"); err == nil {
		t.Error("missing user must be an error")
	}
}

func TestCheckAccess(t *testing.T) {
	dir := t.TempDir()
	// The nodes get owner me/mygid; as root, chown them away from uid 0 so
	// that "owner" is not also "root".
	me, mygid := os.Getuid(), os.Getgid()
	if me == 0 {
		me, mygid = 4100, 4200
	}
	other := me + 4242
	cases := []struct {
		name string
		mode os.FileMode
		acc  Account
		ok   bool
	}{
		{"owner rw", 0o600, Account{Name: "nut", UID: me, GIDs: []int{mygid + 1}}, true},
		{"owner read only", 0o444, Account{Name: "nut", UID: me, GIDs: []int{mygid + 1}}, false},
		{"group rw (udev rule applied)", 0o664, Account{Name: "nut", UID: other, GIDs: []int{mygid + 1, mygid}}, true},
		{"group read only", 0o644, Account{Name: "nut", UID: other, GIDs: []int{mygid}}, false},
		{"others only read (default usbfs)", 0o664, Account{Name: "nut", UID: other, GIDs: []int{mygid + 1}}, false},
		{"world rw", 0o666, Account{Name: "nut", UID: other, GIDs: []int{mygid + 1}}, true},
		{"root", 0o600, Account{Name: "root", UID: 0}, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			node := dir + "/" + strings.Repeat("n", i+1)
			if err := os.WriteFile(node, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if os.Getuid() == 0 {
				if err := os.Chown(node, me, mygid); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(node, c.mode); err != nil {
				t.Fatal(err)
			}
			a := CheckAccess(node, c.acc, 0x0665, 0x5161)
			if a.OK != c.ok || a.Error != "" {
				t.Fatalf("ok=%v want %v: %+v", a.OK, c.ok, a)
			}
			if !c.ok && (!strings.Contains(a.Rule, `ATTR{idVendor}=="0665"`) || !strings.Contains(a.Fix, UdevRuleFile) || !strings.Contains(a.Rule, `GROUP="nut"`)) {
				t.Errorf("a failed check must name the udev fix: %+v", a)
			}
			if c.ok && a.Fix != "" {
				t.Errorf("no fix needed: %+v", a)
			}
		})
	}
	if a := CheckAccess(dir+"/missing", Account{Name: "nut", UID: 1}, 1, 2); a.OK || a.Error == "" {
		t.Errorf("missing node: %+v", a)
	}
}
