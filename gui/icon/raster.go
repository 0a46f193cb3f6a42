package icon

import (
	"image"
	"image/color"
	"math"
)

// canvas is a tiny anti-aliased rasterizer: every shape is a point-inside
// test in unit coordinates (0..1 across the image), sampled ss×ss times per
// pixel. That keeps icons resolution-independent and crisp at 16 px without
// pulling a vector library into the tray process.
type canvas struct {
	img *image.RGBA
	n   int
}

const ss = 4 // samples per axis per pixel

func newCanvas(size int) *canvas {
	return &canvas{img: image.NewRGBA(image.Rect(0, 0, size, size)), n: size}
}

// fill composites colour c over every pixel in proportion to how much of it
// lies inside the shape.
func (cv *canvas) fill(c color.NRGBA, inside func(x, y float64) bool) {
	n := float64(cv.n)
	for py := 0; py < cv.n; py++ {
		for px := 0; px < cv.n; px++ {
			hits := 0
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/ss) / n
					y := (float64(py) + (float64(sy)+0.5)/ss) / n
					if inside(x, y) {
						hits++
					}
				}
			}
			if hits == 0 {
				continue
			}
			a := float64(c.A) / 255 * float64(hits) / (ss * ss)
			cv.over(px, py, c, a)
		}
	}
}

// over blends a straight-alpha colour onto the premultiplied pixel.
func (cv *canvas) over(px, py int, c color.NRGBA, a float64) {
	i := cv.img.PixOffset(px, py)
	p := cv.img.Pix[i : i+4 : i+4]
	inv := 1 - a
	p[0] = uint8(math.Round(float64(c.R)*a + float64(p[0])*inv))
	p[1] = uint8(math.Round(float64(c.G)*a + float64(p[1])*inv))
	p[2] = uint8(math.Round(float64(c.B)*a + float64(p[2])*inv))
	p[3] = uint8(math.Round(255*a + float64(p[3])*inv))
}

func roundRect(x0, y0, x1, y1, r float64) func(x, y float64) bool {
	return func(x, y float64) bool {
		if x < x0 || x > x1 || y < y0 || y > y1 {
			return false
		}
		cx := math.Max(x0+r, math.Min(x, x1-r))
		cy := math.Max(y0+r, math.Min(y, y1-r))
		return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
	}
}

// ring is the band between a rounded rectangle and the same one shrunk by w.
func ring(x0, y0, x1, y1, r, w float64) func(x, y float64) bool {
	outer := roundRect(x0, y0, x1, y1, r)
	inner := roundRect(x0+w, y0+w, x1-w, y1-w, math.Max(r-w, 0))
	return func(x, y float64) bool { return outer(x, y) && !inner(x, y) }
}

func polygon(pts ...[2]float64) func(x, y float64) bool {
	return func(x, y float64) bool {
		in := false
		for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
			xi, yi, xj, yj := pts[i][0], pts[i][1], pts[j][0], pts[j][1]
			if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
				in = !in
			}
		}
		return in
	}
}

// segment is a line of width w with round caps.
func segment(ax, ay, bx, by, w float64) func(x, y float64) bool {
	return func(x, y float64) bool {
		dx, dy := bx-ax, by-ay
		t := ((x-ax)*dx + (y-ay)*dy) / (dx*dx + dy*dy)
		t = math.Max(0, math.Min(1, t))
		qx, qy := ax+t*dx-x, ay+t*dy-y
		return qx*qx+qy*qy <= w*w/4
	}
}

// grow turns a shape into its outline halo: any point within d of the shape.
// Sampled on a small ring of offsets, which is plenty at icon sizes.
func grow(f func(x, y float64) bool, d float64) func(x, y float64) bool {
	const k = 12
	var offs [k + 1][2]float64
	for i := 0; i < k; i++ {
		a := 2 * math.Pi * float64(i) / k
		offs[i] = [2]float64{d * math.Cos(a), d * math.Sin(a)}
	}
	return func(x, y float64) bool {
		for _, o := range offs {
			if f(x+o[0], y+o[1]) {
				return true
			}
		}
		return false
	}
}

func union(fs ...func(x, y float64) bool) func(x, y float64) bool {
	return func(x, y float64) bool {
		for _, f := range fs {
			if f(x, y) {
				return true
			}
		}
		return false
	}
}
