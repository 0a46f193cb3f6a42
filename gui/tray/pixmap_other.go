//go:build !linux && !windows

package tray

import (
	"image"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
)

// trayPNG encodes img for systray.SetIcon; outside Linux systray hands the
// bytes to the platform as they are.
func trayPNG(img *image.RGBA) []byte { return icon.PNG(img) }
