package window

import (
	"os"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// A user outside the system service's group is told how to join it instead
// of "service not running"; once linked, the UPS's own headline shows.
func TestUnlinkedSaysJoinTheGroup(t *testing.T) {
	a := test.NewTempApp(t)
	w := New(a, Config{Post: func(f func()) { f() }, Location: time.UTC, Unlinked: &JoinGroupHeadline,
		Settings: func() (nut.Settings, error) { return nut.Settings{}, os.ErrNotExist }})
	w.Apply(Update{Linked: false})
	if w.title.Text != JoinGroupHeadline.Title || w.detail.Text != JoinGroupHeadline.Detail {
		t.Fatalf("header %q / %q", w.title.Text, w.detail.Text)
	}
	st := api.State{UPS: "ups"} // linked, no data from the UPS yet
	w.Apply(Update{Linked: true, State: &st})
	if w.title.Text == JoinGroupHeadline.Title {
		t.Fatal("the join hint stays while the service answers")
	}
}
