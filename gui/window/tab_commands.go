package window

// The Commands tab: the UPS's instant commands behind a confirmation.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut/api"
)

func (w *Window) showCommands() {
	cmds := Commands(w.state.Commands, w.cfg.Descriptions)
	if equalCommands(cmds, w.commands) && len(w.cmdBox.Objects) > 0 {
		return
	}
	w.commands = cmds
	w.cmdButtons = map[string]*widget.Button{}
	var objs []fyne.CanvasObject
	for _, c := range cmds {
		b := widget.NewButton(c.Description, func() { w.onCommand(c) })
		b.Alignment = widget.ButtonAlignLeading
		if c.Risky {
			b.Importance = widget.DangerImportance
		}
		w.cmdButtons[c.Name] = b
		objs = append(objs, container.NewBorder(nil, nil, nil, widget.NewLabel(c.Name), b))
	}
	if len(cmds) == 0 {
		objs = append(objs, widget.NewLabel("The UPS offers no instant commands."))
	}
	w.cmdBox.Objects = objs
	w.cmdBox.Refresh()
}

func equalCommands(a, b []Command) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// onCommand asks before sending an instant command to the UPS.
func (w *Window) onCommand(c Command) {
	w.confirm = dialog.NewConfirm("Send "+c.Name+"?", c.Confirmation(w.state.UPS), func(ok bool) {
		w.confirm = nil
		if ok {
			w.runCommand(c)
		}
	}, w.win)
	w.confirm.SetConfirmText("Send")
	w.confirm.SetDismissText("Cancel")
	if c.Risky {
		w.confirm.SetConfirmImportance(widget.DangerImportance)
	}
	w.confirm.Show()
}

// runCommand sends a confirmed command through the service and says how it
// went.
func (w *Window) runCommand(c Command) {
	w.cmdNote.SetText("Sending " + c.Name + "…")
	if b := w.cmdButtons[c.Name]; b != nil {
		b.Disable()
	}
	// The user confirmed in the dialog: say so to the service, which refuses
	// a command that can cut the outlets without it.
	w.request(api.Request{Op: "command", Name: c.Name, Confirm: c.Name}, func(r api.Reply, err error) {
		if b := w.cmdButtons[c.Name]; b != nil {
			b.Enable()
		}
		if err != nil || !r.OK {
			w.cmdNote.SetText("The UPS did not take " + c.Name + ": " + reason(r, err))
			w.cmdNote.Importance = widget.DangerImportance
		} else {
			w.cmdNote.SetText("The UPS accepted " + c.Name + " (" + c.Description + ").")
			w.cmdNote.Importance = widget.SuccessImportance
		}
		w.cmdNote.Refresh()
	})
}
