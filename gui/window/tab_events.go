package window

// The Events tab: the event log, newest first.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

func (w *Window) showEvents() {
	w.rows = EventRows(w.events, w.cfg.Location)
	if len(w.rows) == 0 {
		w.eventNote.SetText("No events yet.")
		w.eventNote.Show()
	} else {
		w.eventNote.Hide()
	}
	w.eventList.Refresh()
}

func newEventItem() fyne.CanvasObject {
	when := widget.NewLabel("2006-01-02 15:04:05")
	title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	msg := widget.NewLabel("")
	msg.Truncation = fyne.TextTruncateEllipsis
	return container.NewVBox(container.NewHBox(when, title), msg)
}

func (w *Window) updateEventItem(id widget.ListItemID, o fyne.CanvasObject) {
	if id < 0 || id >= len(w.rows) {
		return
	}
	r := w.rows[id]
	box := o.(*fyne.Container)
	top := box.Objects[0].(*fyne.Container)
	top.Objects[0].(*widget.Label).SetText(r.Time)
	t := top.Objects[1].(*widget.Label)
	t.Text, t.Importance = r.Title, importance(r.Level)
	t.Refresh()
	box.Objects[1].(*widget.Label).SetText(r.Message)
}

// EventRows is what the event list shows, newest first.
func (w *Window) EventRows() []EventRow { return append([]EventRow(nil), w.rows...) }
