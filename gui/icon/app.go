package icon

import (
	"bytes"
	"fmt"
	"image/color"
)

// shape is one layer of the application icon, in unit coordinates. The
// raster (App) and the vector (AppSVG) are drawn from the same list, so the
// hicolor PNGs and the scalable SVG in the package cannot drift apart.
type shape struct {
	colour         color.NRGBA
	x0, y0, x1, y1 float64 // rounded rectangle (when pts is nil)
	r              float64 // its corner radius
	ring           float64 // > 0: only a band this wide inside the rectangle
	pts            [][2]float64
	halo           float64 // > 0: the polygon grown by this much (an outline)
}

func (s shape) inside() func(x, y float64) bool {
	switch {
	case s.pts != nil && s.halo > 0:
		return grow(polygon(s.pts...), s.halo)
	case s.pts != nil:
		return polygon(s.pts...)
	case s.ring > 0:
		return ring(s.x0, s.y0, s.x1, s.y1, s.r, s.ring)
	}
	return roundRect(s.x0, s.y0, s.x1, s.y1, s.r)
}

func appShapes() []shape {
	brown := color.NRGBA{0x8a, 0x4b, 0x2a, 0xff}
	boltPts := [][2]float64{{0.55, 0.14}, {0.33, 0.54}, {0.49, 0.54}, {0.42, 0.88}, {0.70, 0.44}, {0.54, 0.44}, {0.63, 0.14}}
	return []shape{
		{colour: brown, x0: 0.03, y0: 0.03, x1: 0.97, y1: 0.97, r: 0.2},
		{colour: color.NRGBA{0x6e, 0x3a, 0x20, 0xff}, x0: 0.03, y0: 0.55, x1: 0.97, y1: 0.97, r: 0.2},
		{colour: brown, x0: 0.03, y0: 0.50, x1: 0.97, y1: 0.62},
		{colour: color.NRGBA{0, 0, 0, 0x50}, x0: 0.15, y0: 0.32, x1: 0.84, y1: 0.74, r: 0.06},
		{colour: white, x0: 0.13, y0: 0.29, x1: 0.82, y1: 0.71, r: 0.06, ring: 0.045},
		{colour: white, x0: 0.81, y0: 0.41, x1: 0.89, y1: 0.59, r: 0.02},
		{colour: green, x0: 0.20, y0: 0.36, x1: 0.62, y1: 0.64, r: 0.025},
		{colour: color.NRGBA{0x30, 0x18, 0x08, 0xc0}, pts: boltPts, halo: 0.02},
		{colour: bolt, pts: boltPts},
	}
}

// AppSVG is the application icon as a scalable SVG (the hicolor "scalable"
// size), drawn from the same shapes as App on a 512-unit canvas.
func AppSVG() []byte {
	const n = 512.0
	var b bytes.Buffer
	f := func(v float64) string { return fmt.Sprintf("%.2f", v*n) }
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", int(n), int(n), int(n), int(n))
	for _, s := range appShapes() {
		fill := fmt.Sprintf("fill=\"#%02x%02x%02x\"", s.colour.R, s.colour.G, s.colour.B)
		if s.colour.A != 0xff {
			fill += fmt.Sprintf(" fill-opacity=\"%.3f\"", float64(s.colour.A)/255)
		}
		switch {
		case s.pts != nil:
			var pts bytes.Buffer
			for i, p := range s.pts {
				if i > 0 {
					pts.WriteByte(' ')
				}
				fmt.Fprintf(&pts, "%s,%s", f(p[0]), f(p[1]))
			}
			if s.halo > 0 {
				// the halo is the polygon grown by halo: a round-joined
				// stroke twice as wide, with the inside filled too
				stroke := fmt.Sprintf("#%02x%02x%02x", s.colour.R, s.colour.G, s.colour.B)
				fmt.Fprintf(&b, "  <polygon points=\"%s\" %s stroke=\"%s\" stroke-opacity=\"%.3f\" stroke-width=\"%s\" stroke-linejoin=\"round\"/>\n",
					pts.String(), fill, stroke, float64(s.colour.A)/255, f(2*s.halo))
				continue
			}
			fmt.Fprintf(&b, "  <polygon points=\"%s\" %s/>\n", pts.String(), fill)
		case s.ring > 0:
			w := s.ring
			ir := s.r - w
			if ir < 0 {
				ir = 0
			}
			fmt.Fprintf(&b, "  <path fill-rule=\"evenodd\" %s d=\"%s %s\"/>\n", fill,
				roundRectPath(f, s.x0, s.y0, s.x1, s.y1, s.r), roundRectPath(f, s.x0+w, s.y0+w, s.x1-w, s.y1-w, ir))
		default:
			fmt.Fprintf(&b, "  <rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" rx=\"%s\" %s/>\n",
				f(s.x0), f(s.y0), f(s.x1-s.x0), f(s.y1-s.y0), f(s.r), fill)
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// roundRectPath is a closed SVG path of a rounded rectangle.
func roundRectPath(f func(float64) string, x0, y0, x1, y1, r float64) string {
	return fmt.Sprintf("M%s,%s H%s A%s,%s 0 0 1 %s,%s V%s A%s,%s 0 0 1 %s,%s H%s A%s,%s 0 0 1 %s,%s V%s A%s,%s 0 0 1 %s,%s Z",
		f(x0+r), f(y0), f(x1-r), f(r), f(r), f(x1), f(y0+r), f(y1-r), f(r), f(r), f(x1-r), f(y1),
		f(x0+r), f(r), f(r), f(x0), f(y1-r), f(y0+r), f(r), f(r), f(x0+r), f(y0))
}
