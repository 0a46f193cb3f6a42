package usb

import (
	"context"
	"testing"
	"time"
)

// Under Wine there is no USB bus: the SetupAPI calls must still succeed and
// list nothing that is not a USB device.
func TestSetupAPIRuns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	devs, err := SetupAPI{}.Devices(ctx)
	if err != nil {
		t.Fatalf("enumeration failed: %v", err)
	}
	for _, d := range devs {
		if d.Vendor == 0 && d.Product == 0 {
			t.Errorf("device without IDs: %+v", d)
		}
	}
	t.Logf("%d USB devices", len(devs))
}
