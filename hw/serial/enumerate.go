package serial

import (
	"fmt"
	"sort"
)

// Port is a serial port that the system lists (or that the user named).
type Port struct {
	Path string `json:"path"`
	// USB is true for USB-serial adapters; VID/PID are then the adapter's.
	USB          bool   `json:"usb,omitempty"`
	VID          string `json:"vid,omitempty"`
	PID          string `json:"pid,omitempty"`
	SerialNumber string `json:"serial,omitempty"`
	Product      string `json:"product,omitempty"`
	Explicit     bool   `json:"explicit,omitempty"` // named with --port
}

// Enumerate lists the system's serial ports, adding the explicit paths
// that the enumerator does not list (a pty, an odd driver), without
// duplicates.
func Enumerate(explicit []string) ([]Port, error) {
	list, err := systemPorts()
	if err != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	var out []Port
	seen := map[string]bool{}
	for _, p := range list {
		if seen[p.Path] {
			continue
		}
		seen[p.Path] = true
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	for _, e := range explicit {
		if !seen[e] {
			seen[e] = true
			out = append(out, Port{Path: e, Explicit: true})
		} else {
			for i := range out {
				if out[i].Path == e {
					out[i].Explicit = true
				}
			}
		}
	}
	return out, nil
}
