package tray

import (
	"image"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
)

// trayPNG encodes img for systray.SetIcon: on Windows fyne.io/systray
// loads the bytes with LoadImage(IMAGE_ICON), which wants an .ico file.
func trayPNG(img *image.RGBA) []byte { return icon.ICO(img) }
