package driverdb

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// USBRule is one USB ID of NUT's udev rules with the driver that the
// comment above it names.
type USBRule struct {
	Vendor  uint16 `json:"vendor"`
	Product uint16 `json:"product"`
	Driver  string `json:"driver"`
	Comment string `json:"comment"` // the model text before " - driver"
	Maker   string `json:"maker"`   // the section heading ("# APC")
	Line    int    `json:"line"`
}

var (
	attrLine = regexp.MustCompile(`ATTR\{idVendor\}=="([0-9A-Fa-f]{4})",\s*ATTR\{idProduct\}=="([0-9A-Fa-f]{4})"`)
	// "#  Back-UPS ES  - usbhid-ups": the driver follows the last " - ".
	driverComment = regexp.MustCompile(`^#\s*(.*?)\s+-\s+([A-Za-z0-9_.-]+)\s*$`)
)

// ParseUdevRules reads 62-nut-usbups.rules. Every line carrying an
// idVendor/idProduct pair must follow a "# ... - driver" comment; a pair
// without one is an error, so no ID is silently lost.
func ParseUdevRules(r io.Reader) ([]USBRule, error) {
	var out []USBRule
	sc := bufio.NewScanner(r)
	n := 0
	var prev, maker string
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			prev = ""
			continue
		case strings.HasPrefix(line, "#"):
			if driverComment.MatchString(line) {
				prev = line
			} else {
				// A heading such as "# APC" names the maker of the IDs below.
				if h := strings.TrimSpace(strings.TrimPrefix(line, "#")); h != "" && !strings.HasPrefix(h, "This file") {
					maker = h
				}
				prev = ""
			}
			continue
		}
		m := attrLine.FindStringSubmatch(line)
		if m == nil {
			prev = ""
			continue
		}
		c := driverComment.FindStringSubmatch(prev)
		if c == nil {
			return nil, fmt.Errorf("udev rules line %d: USB ID %s:%s has no \"# ... - driver\" comment above it", n, m[1], m[2])
		}
		v, _ := strconv.ParseUint(m[1], 16, 16)
		p, _ := strconv.ParseUint(m[2], 16, 16)
		out = append(out, USBRule{Vendor: uint16(v), Product: uint16(p), Driver: c[2], Comment: c[1], Maker: maker, Line: n})
		prev = ""
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read udev rules: %w", err)
	}
	return out, nil
}
