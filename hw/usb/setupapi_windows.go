package usb

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sys/windows"
)

// SetupAPI is the real Bus on Windows: the devices that Windows' device
// manager lists under the USB enumerator. It needs no driver switch and no
// administrator; the strings are the ones Windows shows (the device's
// description), which is enough to suggest a driver by VID:PID.
type SetupAPI struct{}

// Devices lists the present USB devices.
func (SetupAPI) Devices(ctx context.Context) ([]Device, error) {
	set, err := windows.SetupDiGetClassDevsEx(nil, "USB", 0, windows.DIGCF_PRESENT|windows.DIGCF_ALLCLASSES, 0, "")
	if err != nil {
		return nil, fmt.Errorf("list USB devices (SetupAPI): %w", err)
	}
	defer set.Close()
	var entries []winEntry
	for i := 0; ; i++ {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		data, err := set.EnumDeviceInfo(i)
		if errors.Is(err, windows.ERROR_NO_MORE_ITEMS) {
			break
		}
		if err != nil {
			continue
		}
		id, err := set.DeviceInstanceID(data)
		if err != nil {
			continue
		}
		e := winEntry{InstanceID: id}
		e.Description = regString(set, data, windows.SPDRP_FRIENDLYNAME)
		if e.Description == "" {
			e.Description = regString(set, data, windows.SPDRP_DEVICEDESC)
		}
		e.Manufacturer = regString(set, data, windows.SPDRP_MFG)
		if v, err := set.DeviceRegistryProperty(data, windows.SPDRP_COMPATIBLEIDS); err == nil {
			if ss, ok := v.([]string); ok {
				e.CompatibleIDs = ss
			}
		}
		entries = append(entries, e)
	}
	return devicesFromEntries(entries), nil
}

func regString(set windows.DevInfo, data *windows.DevInfoData, p windows.SPDRP) string {
	v, err := set.DeviceRegistryProperty(data, p)
	if err != nil {
		return ""
	}
	s, _ := v.(string)
	return s
}
