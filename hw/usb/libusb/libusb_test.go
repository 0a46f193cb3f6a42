//go:build cgo && !windows

package libusb

import (
	"context"
	"os"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/hw/usb"
)

// On Linux, sysfs (the bus Nutmeg uses there) and libusb see the same
// devices with the same numbers, port paths, IDs and classes, and the
// strings libusb could read are the ones sysfs has; both list nothing, not
// an error, on a machine without USB (as in this CI's containers, where
// the comparison is of two empty lists: TestSysfsDevices in hw/usb checks
// the reading itself).
func TestMatchesSysfs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sysfs is Linux's")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	lib, err := Bus{}.Devices(ctx)
	if err != nil {
		t.Fatalf("libusb: %v", err)
	}
	sys, err := usb.Sysfs{}.Devices(ctx)
	if err != nil {
		t.Fatalf("sysfs: %v", err)
	}
	if _, err := os.Stat(usb.SysfsRoot); err != nil {
		t.Logf("no %s here: both lists must be empty", usb.SysfsRoot)
	}
	if len(lib) != len(sys) {
		t.Fatalf("libusb lists %d devices, sysfs %d:\n%+v\n%+v", len(lib), len(sys), lib, sys)
	}
	bySlot := map[[2]int]usb.Device{}
	for _, d := range sys {
		bySlot[[2]int{d.Bus, d.Address}] = d
	}
	for _, l := range lib {
		s, ok := bySlot[[2]int{l.Bus, l.Address}]
		if !ok {
			t.Errorf("libusb lists %d/%d (%s), sysfs does not", l.Bus, l.Address, l.ID())
			continue
		}
		if l.StringsError == "" {
			// libusb could open it: the strings must agree too.
			if l.Manufacturer != s.Manufacturer || l.ProductName != s.ProductName || l.Serial != s.Serial {
				t.Errorf("%s strings: libusb %q/%q/%q, sysfs %q/%q/%q", l.ID(),
					l.Manufacturer, l.ProductName, l.Serial, s.Manufacturer, s.ProductName, s.Serial)
			}
		}
		l.Manufacturer, l.ProductName, l.Serial, l.StringsError = s.Manufacturer, s.ProductName, s.Serial, ""
		if !reflect.DeepEqual(l, s) {
			t.Errorf("libusb %+v\nsysfs  %+v", l, s)
		}
	}
	t.Logf("%d USB devices", len(lib))
}
