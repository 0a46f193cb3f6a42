package tray

import (
	"image"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
)

// trayPNG encodes img for systray.SetIcon. On Linux, fyne.io/systray v1.12.2
// decodes the PNG and builds the StatusNotifierItem pixmap with
// byte(c.RGBA()) per channel: the low byte of a 16-bit premultiplied value.
// For opaque and transparent pixels that is exact, but every anti-aliased
// edge pixel comes out as noise. So each semi-transparent pixel's colour is
// chosen here such that systray's conversion yields the straight-alpha
// ARGB that panels expect (KDE and the AppIndicator extensions read
// IconPixmap as non-premultiplied ARGB32). TestRemoteTrayOverDBus checks the
// pixmap on the bus against icon.Draw.
func trayPNG(img *image.RGBA) []byte {
	b := img.Bounds()
	out := image.NewNRGBA(b)
	for i := 0; i < len(img.Pix); i += 4 {
		a := img.Pix[i+3]
		o := out.Pix[i : i+4 : i+4]
		if a == 0 {
			continue
		}
		// At these two alphas no channel value survives the conversion
		// within 1 (measured over all 254×256 cases); one step more does.
		sa := a
		switch a {
		case 127:
			sa = 128
		case 254:
			sa = 255
		}
		o[3] = sa
		for c := 0; c < 3; c++ {
			want := straight(img.Pix[i+c], a)
			if sa == 255 {
				o[c] = want
				continue
			}
			o[c] = systrayInverse(want, sa)
		}
	}
	return icon.PNG(out)
}

// straight un-premultiplies one channel.
func straight(p, a uint8) uint8 {
	return uint8(min(255, (uint32(p)*255+uint32(a)/2)/uint32(a)))
}

// systrayByte is what systray makes of channel value v at alpha a:
// color.NRGBA.RGBA() then byte(...).
func systrayByte(v, a uint8) uint8 {
	r := uint32(v)
	r |= r << 8
	r *= uint32(a)
	r /= 0xff
	return byte(r)
}

// systrayInverse finds the channel value that systray turns into want at
// alpha a (the closest one when no value hits it exactly).
func systrayInverse(want, a uint8) uint8 {
	best, bestD := uint8(0), 256
	for v := 0; v < 256; v++ {
		d := int(systrayByte(uint8(v), a)) - int(want)
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = uint8(v), d
			if d == 0 {
				break
			}
		}
	}
	return best
}
