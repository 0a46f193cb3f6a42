// Package icon draws Nutmeg's tray and application icons in code from a small
// state value, so the tray needs no image files and every state is testable.
package icon

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

// Level is what the icon's colour says about the power situation.
type Level int

const (
	Normal      Level = iota // on mains (green)
	OnBattery                // amber
	LowBattery               // red
	Unreachable              // grey with a cross: UPS or service cannot be reached
)

// State is everything the tray icon shows.
type State struct {
	Level Level
	// Charge is 0..100, or negative when the UPS does not report it; an
	// unknown charge is drawn as an empty, hatched-free outline, never as 0 %.
	Charge   float64
	Online   bool // mains present: draw the plug
	Charging bool // draw the lightning bolt
}

var (
	green = color.NRGBA{0x2e, 0xb8, 0x4f, 0xff}
	amber = color.NRGBA{0xf2, 0xa1, 0x17, 0xff}
	red   = color.NRGBA{0xff, 0x4a, 0x3d, 0xff} // bright enough to stand out on a dark panel too
	grey  = color.NRGBA{0x9a, 0x9a, 0x9a, 0xff}
	white = color.NRGBA{0xf7, 0xf7, 0xf7, 0xff}
	dark  = color.NRGBA{0x20, 0x20, 0x20, 0xd0}
	bolt  = color.NRGBA{0xff, 0xd5, 0x2e, 0xff}
	ink   = color.NRGBA{0x1c, 0x1c, 0x1c, 0xff}
)

func (l Level) colour() color.NRGBA {
	switch l {
	case OnBattery:
		return amber
	case LowBattery:
		return red
	case Unreachable:
		return grey
	}
	return green
}

// Draw renders the tray icon for s at size×size pixels. Light strokes with a
// dark halo keep it legible on both light and dark panels.
func Draw(s State, size int) *image.RGBA {
	cv := newCanvas(size)
	px := 1 / float64(size)
	// Edges and strokes snap to whole pixels, so the outline is crisp at
	// every size: 1 px at 16 and 22, 2 at 32, 4 at 64.
	snap := func(v float64) float64 { return math.Round(v*float64(size)) / float64(size) }
	w := math.Max(1, math.Round(float64(size)/16)) * px
	halo := math.Max(px*0.9, 1.0/40)

	// Battery lying on its side, terminal nub on the right.
	x0, y0, x1, y1 := snap(0.04), snap(0.24), snap(0.84), snap(0.76)
	body := ring(x0, y0, x1, y1, 0.08, w)
	nub := roundRect(x1-px*0.2, snap(0.38), snap(0.96), snap(0.62), 0.03)
	cv.fill(dark, grow(union(body, nub), halo))

	filled := func(x, y float64) bool { return false }
	if s.Charge >= 0 {
		c := math.Min(s.Charge, 100) / 100
		inset := w + math.Max(px, snap(0.03))
		fx0, fx1 := x0+inset, x1-inset
		fx := fx0 + (fx1-fx0)*c
		if c > 0 && fx-fx0 < px {
			fx = fx0 + px // any charge above zero shows at least one pixel
		}
		if fx > fx0 {
			filled = roundRect(fx0, y0+inset, fx, y1-inset, 0.03)
			cv.fill(s.Level.colour(), filled)
		}
	}
	// The outline turns red at low battery: a thin red sliver of charge
	// alone is too easy to miss at 16 px.
	outline := white
	if s.Level == LowBattery {
		outline = red
	}
	cv.fill(outline, union(body, nub))

	switch {
	case s.Level == Unreachable:
		cross := union(segment(0.22, 0.30, 0.66, 0.70, w*1.5), segment(0.66, 0.30, 0.22, 0.70, w*1.5))
		cv.fill(dark, grow(cross, halo))
		cv.fill(red, cross)
	case s.Charging:
		b := polygon([2]float64{0.50, 0.14}, [2]float64{0.28, 0.54}, [2]float64{0.43, 0.54},
			[2]float64{0.36, 0.88}, [2]float64{0.62, 0.44}, [2]float64{0.47, 0.44}, [2]float64{0.56, 0.14})
		cv.fill(dark, grow(b, halo*1.2))
		cv.fill(bolt, b)
	case s.Online:
		plug := union(
			roundRect(0.32, 0.40, 0.56, 0.62, 0.04), // plug body
			roundRect(0.56, 0.44, 0.70, 0.47, 0.0),  // prong
			roundRect(0.56, 0.55, 0.70, 0.58, 0.0),  // prong
			segment(0.16, 0.51, 0.33, 0.51, w*1.1),  // cable
		)
		// A dark plug reads on the green fill; where no fill is under it, a
		// light rim keeps it visible on a dark panel. No rim on the fill,
		// where it would eat the charge colour at 16 px.
		rim := grow(plug, halo*1.2)
		cv.fill(white, func(x, y float64) bool { return rim(x, y) && !filled(x, y) })
		cv.fill(ink, plug)
	}
	return cv.img
}

// App renders the application icon: a nutmeg-brown tile with a charged
// battery and a lightning bolt. AppSVG draws the same shapes as a vector.
func App(size int) *image.RGBA {
	cv := newCanvas(size)
	for _, s := range appShapes() {
		cv.fill(s.colour, s.inside())
	}
	return cv.img
}

// PNG encodes img; encoding an in-memory RGBA cannot fail.
func PNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
