package driverdb

// builtinRules is the fallback for a machine where NUT is not installed
// yet: the big UPS makers' USB IDs (taken from NUT 2.8.0's udev rules) so
// the first wizard page can still name the device. It is used only when
// driver.list is missing; the installed NUT's files always win.
var builtinRules = []USBRule{
	{Vendor: 0x051d, Product: 0x0002, Driver: "usbhid-ups", Comment: "Back-UPS, Smart-UPS (various models)", Maker: "APC"},
	{Vendor: 0x051d, Product: 0x0003, Driver: "usbhid-ups", Comment: "various 5G models", Maker: "APC"},
	{Vendor: 0x0764, Product: 0x0005, Driver: "usbhid-ups", Comment: "900AVR/BC900D", Maker: "Cyber Power Systems"},
	{Vendor: 0x0764, Product: 0x0501, Driver: "usbhid-ups", Comment: "CP1500, CP1000AVRLCD, etc.", Maker: "Cyber Power Systems"},
	{Vendor: 0x0764, Product: 0x0601, Driver: "usbhid-ups", Comment: "OR/PR series", Maker: "Cyber Power Systems"},
	{Vendor: 0x0463, Product: 0x0001, Driver: "usbhid-ups", Comment: "various models", Maker: "Eaton"},
	{Vendor: 0x0463, Product: 0xffff, Driver: "usbhid-ups", Comment: "various models", Maker: "Eaton"},
	{Vendor: 0x0592, Product: 0x0002, Driver: "bcmxcp_usb", Comment: "various models", Maker: "Powerware"},
	{Vendor: 0x09ae, Product: 0x0001, Driver: "tripplite_usb", Comment: "e.g. OMNIVS1000, SMART550USB", Maker: "TrippLite"},
	{Vendor: 0x09ae, Product: 0x2005, Driver: "usbhid-ups", Comment: "e.g. OMNI1000LCD", Maker: "TrippLite"},
	{Vendor: 0x09ae, Product: 0x2007, Driver: "usbhid-ups", Comment: "e.g. OMNI900LCD", Maker: "TrippLite"},
	{Vendor: 0x09ae, Product: 0x3016, Driver: "usbhid-ups", Comment: "e.g. Smart1500LCD", Maker: "TrippLite"},
	{Vendor: 0x0665, Product: 0x5161, Driver: "nutdrv_qx", Comment: "Belkin F6C1200-UNV/Voltronic Power UPSes", Maker: "Cypress (generic)"},
	{Vendor: 0x0001, Product: 0x0000, Driver: "nutdrv_qx", Comment: "SNR-UPS-LID-XXXX UPSes", Maker: "(generic)"},
	{Vendor: 0x06da, Product: 0xffff, Driver: "usbhid-ups", Comment: "PROTECT B / NAS", Maker: "Phoenixtec"},
	{Vendor: 0x0d9f, Product: 0x0004, Driver: "usbhid-ups", Comment: "various models", Maker: "PowerCOM"},
	{Vendor: 0x10af, Product: 0x0001, Driver: "usbhid-ups", Comment: "PowerSure PSA UPS", Maker: "Liebert"},
}

// Builtin returns the fallback knowledge for a machine without NUT.
func Builtin() *DB {
	db := &DB{Source: SourceBuiltin, Rules: append([]USBRule(nil), builtinRules...)}
	db.index()
	return db
}
