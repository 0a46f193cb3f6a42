package wizard

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// The keyboard alone walks the wizard: Tab moves between fields, Enter in
// a field (or with nothing focused) is Next, Escape is Cancel.
func TestKeyboard(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	w := open(t, e.deps(t, db, &filesApplier{dir: e.confDir}), light())
	c := w.win.Canvas()
	w.flow.Customize() // walk every page
	w.showPage()
	if w.flow.Page != flow.Driver {
		t.Fatalf("page %v", w.flow.Page)
	}
	// Tab reaches the driver field, and Enter there goes on.
	for i := 0; i < 40 && c.Focused() != fyne.Focusable(w.driver.driver.entry); i++ {
		test.FocusNext(c)
	}
	if c.Focused() != fyne.Focusable(w.driver.driver.entry) {
		t.Fatal("Tab never reaches the driver field")
	}
	w.driver.driver.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if w.flow.Page != flow.Access {
		t.Fatalf("Enter in a field: page %v, want access", w.flow.Page)
	}
	// Enter with nothing focused
	c.Unfocus()
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if w.flow.Page != flow.Shutdown {
		t.Fatalf("Enter on the window: page %v, want shutdown", w.flow.Page)
	}
	// Enter does not leave a page with a bad value
	w.shutdown.timer.entry.SetText("soon")
	w.shutdown.timer.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if w.flow.Page != flow.Shutdown {
		t.Fatal("Enter left a page with a bad value")
	}
	w.shutdown.timer.entry.SetText("30")
	// Escape with nothing focused cancels
	c.Unfocus()
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if !w.Closed() || w.Applied {
		t.Fatal("Escape did not cancel")
	}
}
