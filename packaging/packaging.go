// Package packaging holds the files Nutmeg installs into the system, embedded
// so the app can offer them as one-click fixes (the udev rule for a USB
// permission problem) and so tests can check them.
package packaging

import _ "embed"

// UdevRule grants NUT's group access to the HID devices of the big UPS
// makers; its file name is UdevRuleName under /etc/udev/rules.d or
// /lib/udev/rules.d.
//
//go:embed udev/63-nutmeg-ups.rules
var UdevRule []byte

const UdevRuleName = "63-nutmeg-ups.rules"

// DesktopEntry is the application launcher.
//
//go:embed linux/nutmeg.desktop
var DesktopEntry []byte

// PolkitPolicy declares the action pkexec asks for before `nutmeg apply
// --system`: it admits only ApplySystemHelper.
//
//go:embed polkit/io.github.nutmeg_ups.nutmeg.policy
var PolkitPolicy []byte

// PolkitAction is the action id in PolkitPolicy.
const PolkitAction = "io.github.nutmeg_ups.nutmeg.apply-system"

// ApplySystemHelper is the program the GUI runs through pkexec to set up
// system mode: `pkexec ApplySystemHelper [--password-stdin] [--force]` runs
// `nutmeg apply --system` with those flags (pkexec clears the environment,
// so the monitor password comes on stdin). The .deb installs it from
// libexec/nutmeg-apply-system.
const ApplySystemHelper = "/usr/libexec/nutmeg/nutmeg-apply-system"

// SystemdUnit runs `nutmeg service` in system mode.
//
//go:embed systemd/nutmeg.service
var SystemdUnit []byte
