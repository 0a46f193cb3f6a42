// Package hw finds the UPS attached to this machine and suggests the NUT
// driver that will drive it (docs/architecture.md, Probing). Probe lists USB devices (package
// hw/usb, behind the usb.Bus interface), lists and probes serial ports
// (hw/serial: read-only APC Smart and Megatec queries, in parallel, each
// with a hard timeout), reads NUT's own knowledge (hw/driverdb: driver.list,
// the udev USB ID table, the drivers in /lib/nut) and ranks suggestions.
// Verify proves a suggestion by running its driver once.
//
// # JSON shape (`nutmeg probe --json`)
//
// Stable: fields may be added, never renamed or removed. Empty optional
// fields are omitted; the three lists are always present (possibly empty).
//
//	{
//	  "driver_knowledge": "nut" | "builtin",  // builtin: NUT not installed
//	  "devices": [{
//	    "id": "usb:001:004" | "serial:/dev/ttyS0",
//	    "kind": "usb" | "serial",
//	    "bus": 1, "address": 4,                // USB only
//	    "path": "1-2.3" | "/dev/ttyS0",         // USB port path or serial device
//	    "vendor_id": "051d", "product_id": "0002", // lower-case hex; for a serial
//	                                           // port on a USB adapter, the adapter's
//	    "class": "hid", "hid": true,            // USB class name
//	    "manufacturer": "...", "product": "...", "serial": "...",
//	    "not_accessible": "device not accessible: permission denied ...",
//	    "protocol": "megatec" | "apcsmart",     // serial: the protocol that answered
//	    "maker": "...", "model": "...", "version": "...",
//	    "reply": "(230.4 140.0 ...",            // the identifying reply
//	    "sent": ["Y", "\\rQ1\\r", "I\\r"],      // what the probe wrote, step by step
//	    "in_use": true, "error": "...",         // serial port skipped or failed
//	    "ups": true,                            // true when it got a suggestion
//	    "note": "not a UPS: ...",               // why not, otherwise
//	    "nut_access": {                         // USB UPS candidates: may NUT's user open it?
//	      "node": "/dev/bus/usb/001/004", "uid": 0, "gid": 0, "mode": "0664",
//	      "user": "nut", "ok": false, "why": "...", "fix": "...", "udev_rule": "SUBSYSTEM==..."
//	    }
//	  }],
//	  "suggestions": [{                          // best first
//	    "device": "usb:001:004",                 // a devices[].id
//	    "driver": "usbhid-ups",                  // nut.Settings.Driver
//	    "port": "auto" | "/dev/ttyS0",           // nut.Settings.Port
//	    "options": {"vendorid": "051d", ...},    // nut.Settings.DriverOptions ("" = flag)
//	    "confidence": "high" | "medium" | "low",
//	    "reason": "One sentence saying why.",
//	    "ready": true,                           // driver installed in /lib/nut
//	    "install": "install the package nut-snmp ..." // when not ready
//	  }],
//	  "problems": [{"device": "usb:001:004", "message": "...", "fix": "..."}],
//	  "verification": {...}                      // only with --verify, see Verification
//	}
//
// Confidence: high = NUT lists this exact USB ID for the driver, or the port
// answered in the driver's protocol; medium = a UPS maker's unknown product
// (HID), or the first choice for a generic bridge-chip ID (0665:5161,
// 0001:0000…); low = alternatives to try when the first fails.
package hw
