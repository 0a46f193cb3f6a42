package idle

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// NewGLFW makes a Loop over Fyne's desktop driver (GLFWEdges). Only an app
// that runs Fyne's GLFW driver may use it, not one on Fyne's test driver.
func NewGLFW(cfg Config) *Loop {
	return New(cfg, GLFWEdges())
}

// GLFWEdges are Fyne's desktop driver's edges: GLFW's wait for events (it
// handles the events it waits for, as the driver's own poll would), its
// empty event to end the wait, and fyne.Do.
func GLFWEdges() Edges {
	return Edges{
		Wait:   func(d time.Duration) { glfw.WaitEventsTimeout(d.Seconds()) },
		WakeUp: glfw.PostEmptyEvent,
		Post:   fyne.Do,
	}
}

// Busy is a Config.Busy for app a: busy while more than one window is open
// (the wizard, with its progress bars) or a text field has the keyboard
// focus (its cursor blinks).
func Busy(a fyne.App) func() bool {
	return func() bool {
		wins := a.Driver().AllWindows()
		if len(wins) > 1 {
			return true
		}
		for _, w := range wins {
			switch w.Canvas().Focused().(type) {
			case *widget.Entry, *widget.SelectEntry:
				return true
			}
		}
		return false
	}
}
