package window

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The series' colours: charge in the tray's green, load in blue.
var (
	chargeColour = color.NRGBA{0x2e, 0xb8, 0x4f, 0xff}
	loadColour   = color.NRGBA{0x2f, 0x7d, 0xd8, 0xff}
)

// chart draws a Plot: a frame with 0/50/100 % grid lines, the range's
// start and end, and one polyline per segment (canvas.Line pieces).
type chart struct {
	widget.BaseWidget
	plot Plot
	rng  Range
}

func newChart() *chart {
	c := &chart{rng: Ranges[0]}
	c.ExtendBaseWidget(c)
	return c
}

// SetPlot replaces what the chart draws.
func (c *chart) SetPlot(p Plot, r Range) {
	c.plot, c.rng = p, r
	c.Refresh()
}

func (c *chart) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{c: c}
	r.rebuild()
	return r
}

type chartRenderer struct {
	c       *chart
	frame   *canvas.Rectangle
	grid    [3]*canvas.Line
	yLabels [3]*canvas.Text
	xLabels [2]*canvas.Text
	lines   []*canvas.Line // charge then load
	dots    []*canvas.Circle
	series  []seriesPiece // what each line or dot shows, in plot units
	objects []fyne.CanvasObject
}

// seriesPiece is one line (a to b) or one dot (a only) in plot units.
type seriesPiece struct {
	a, b Point
	dot  bool
}

const chartInset = 36 // room for the axis labels

func (r *chartRenderer) rebuild() {
	fg := theme.Color(theme.ColorNameForeground)
	grid := theme.Color(theme.ColorNameSeparator)
	r.frame = canvas.NewRectangle(color.Transparent)
	r.frame.StrokeColor = grid
	r.frame.StrokeWidth = 1
	r.objects = []fyne.CanvasObject{r.frame}
	for i, txt := range []string{"100 %", "50 %", "0 %"} {
		r.grid[i] = canvas.NewLine(grid)
		r.yLabels[i] = canvas.NewText(txt, fg)
		r.yLabels[i].TextSize = theme.CaptionTextSize()
		r.objects = append(r.objects, r.grid[i], r.yLabels[i])
	}
	r.xLabels[0] = canvas.NewText("−"+r.c.rng.Label, fg)
	r.xLabels[1] = canvas.NewText("now", fg)
	for _, t := range r.xLabels {
		t.TextSize = theme.CaptionTextSize()
		r.objects = append(r.objects, t)
	}
	r.lines, r.dots, r.series = nil, nil, nil
	add := func(segs []Segment, col color.Color) {
		for _, s := range segs {
			if len(s) == 1 {
				d := canvas.NewCircle(col)
				r.dots = append(r.dots, d)
				r.series = append(r.series, seriesPiece{a: s[0], dot: true})
				r.objects = append(r.objects, d)
				continue
			}
			for i := 1; i < len(s); i++ {
				l := canvas.NewLine(col)
				l.StrokeWidth = 2
				r.lines = append(r.lines, l)
				r.series = append(r.series, seriesPiece{a: s[i-1], b: s[i]})
				r.objects = append(r.objects, l)
			}
		}
	}
	add(r.c.plot.Charge, chargeColour)
	add(r.c.plot.Load, loadColour)
}

func (r *chartRenderer) Layout(size fyne.Size) {
	left, top := float32(chartInset), float32(8)
	w := size.Width - left - 8
	h := size.Height - top - 20
	if w < 1 || h < 1 {
		return
	}
	r.frame.Move(fyne.NewPos(left, top))
	r.frame.Resize(fyne.NewSize(w, h))
	for i := range r.grid {
		y := top + h*float32(i)/2
		r.grid[i].Position1 = fyne.NewPos(left, y)
		r.grid[i].Position2 = fyne.NewPos(left+w, y)
		ls := r.yLabels[i].MinSize()
		r.yLabels[i].Move(fyne.NewPos(left-ls.Width-4, y-ls.Height/2))
	}
	r.xLabels[0].Move(fyne.NewPos(left, top+h+2))
	ns := r.xLabels[1].MinSize()
	r.xLabels[1].Move(fyne.NewPos(left+w-ns.Width, top+h+2))
	at := func(p Point) fyne.Position {
		return fyne.NewPos(left+float32(p.X)*w, top+float32(1-p.Y)*h)
	}
	li, di := 0, 0
	for _, s := range r.series {
		if s.dot {
			c := at(s.a)
			r.dots[di].Position1 = c.Subtract(fyne.NewPos(2, 2))
			r.dots[di].Position2 = c.Add(fyne.NewPos(2, 2))
			di++
			continue
		}
		r.lines[li].Position1, r.lines[li].Position2 = at(s.a), at(s.b)
		li++
	}
}

func (r *chartRenderer) MinSize() fyne.Size { return fyne.NewSize(240, 140) }

func (r *chartRenderer) Refresh() {
	r.rebuild()
	r.Layout(r.c.Size())
	canvas.Refresh(r.c)
}

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *chartRenderer) Destroy() {}

// legend names the colours.
func legend() fyne.CanvasObject {
	item := func(col color.Color, name string) fyne.CanvasObject {
		sw := canvas.NewRectangle(col)
		sw.SetMinSize(fyne.NewSize(14, 4))
		return container.NewHBox(container.NewCenter(sw), widget.NewLabel(name))
	}
	return container.NewHBox(item(chargeColour, "Charge"), item(loadColour, "Load"))
}
