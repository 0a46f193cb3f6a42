package window

// The Status tab's header (state in words, glyph, countdown) and figures.

import (
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
)

// showState puts the state into the header, the figures and the commands.
func (w *Window) showState() {
	h := HeadlineOf(w.linked, w.state)
	if !w.linked && w.cfg.Unlinked != nil {
		h = *w.cfg.Unlinked
	}
	if h != w.shownHead {
		w.shownHead = h
		w.title.Text = h.Title
		w.title.Importance = importance(h.Level)
		w.title.Refresh()
		w.detail.SetText(h.Detail)
	}
	if g := icon.ForState(w.linked, w.state); g != w.shownGlyph {
		w.shownGlyph = g
		w.glyph.Image = w.glyphFor(g)
		w.glyph.Refresh()
	}
	w.showCountdown()
	w.showFigures(Figures(w.state.Status))
	w.showCommands()
}

// maxGlyphs bounds the drawn glyphs kept: the states a link flips between,
// while the charge, part of the state, slowly moves on.
const maxGlyphs = 8

// glyphFor draws the header's glyph for g once: drawing one costs about
// 30 ms of CPU (icon's 4×4-sampled rasterizer), and a link that comes and
// goes flips between the same two or three states, several times a second
// at worst.
func (w *Window) glyphFor(g icon.State) image.Image {
	if img, ok := w.glyphs[g]; ok {
		return img
	}
	if len(w.glyphs) >= maxGlyphs {
		clear(w.glyphs)
	}
	img := icon.Draw(g, 64)
	w.glyphs[g] = img
	return img
}

func (w *Window) showCountdown() {
	w.counting.Store(w.state.Countdown != nil)
	// At most one redraw a second: the text changes once a second.
	if t := w.state.Countdown.Text(w.cfg.Now()); t != w.countdown.Text {
		w.countdown.SetText(t)
	}
}

func importance(level string) widget.Importance {
	switch level {
	case "critical":
		return widget.DangerImportance
	case "warning":
		return widget.WarningImportance
	}
	return widget.MediumImportance
}

// showFigures updates the values in place, and rebuilds the form only when
// the set of rows changes (a UPS starts or stops reporting a value).
func (w *Window) showFigures(rows []Row) {
	same := len(rows) == len(w.figureVals)
	for _, r := range rows {
		if _, ok := w.figureVals[r.Label]; !ok {
			same = false
		}
	}
	if !same {
		w.figureVals = make(map[string]*widget.Label, len(rows))
		objs := make([]fyne.CanvasObject, 0, 2*len(rows))
		for _, r := range rows {
			v := widget.NewLabel(r.Text)
			w.figureVals[r.Label] = v
			objs = append(objs, widget.NewLabelWithStyle(r.Label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}), v)
		}
		w.figures.Objects = objs
		w.figures.Refresh()
		return
	}
	for _, r := range rows {
		if l := w.figureVals[r.Label]; l.Text != r.Text {
			l.SetText(r.Text)
		}
	}
}

// Figure is the text of one figure as shown ("" when the row is absent).
func (w *Window) Figure(label string) string {
	if l, ok := w.figureVals[label]; ok {
		return l.Text
	}
	return ""
}
