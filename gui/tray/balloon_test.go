package tray

import (
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/nutmeg-ups/nutmeg/nut/api"
)

func TestBalloon(t *testing.T) {
	long := strings.Repeat("The UPS is on battery. ", 20)
	emoji := strings.Repeat("🔋", 40) // 80 UTF-16 units
	for _, tc := range []struct {
		name                string
		note                Note
		wantTitle, wantInfo string
		warning             bool
	}{
		{"plain", Note{Title: "On battery", Body: "Power failed at 10:02."}, "On battery", "Power failed at 10:02.", false},
		{"urgent", Note{Title: "Shutting down", Body: "In 2 minutes", Urgent: true}, "Shutting down", "In 2 minutes", true},
		{"no body", Note{Title: "Communication lost"}, "Communication lost", "Communication lost", false},
		{"long body", Note{Title: "t", Body: long}, "t", long[:254] + "…", false},
		{"surrogates", Note{Title: emoji, Body: "b"}, strings.Repeat("🔋", 31) + "…", "b", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			title, info, warning := balloon(tc.note)
			if title != tc.wantTitle || info != tc.wantInfo || warning != tc.warning {
				t.Fatalf("balloon = %q, %q, %v; want %q, %q, %v", title, info, warning, tc.wantTitle, tc.wantInfo, tc.warning)
			}
			if n := len(utf16.Encode([]rune(title))); n > balloonTitleMax {
				t.Errorf("title is %d UTF-16 units", n)
			}
			if n := len(utf16.Encode([]rune(info))); n > balloonInfoMax {
				t.Errorf("text is %d UTF-16 units", n)
			}
		})
	}
}

// The events Linux notifies about over D-Bus read the same in a balloon:
// nut/notify's words, urgent ones as warnings.
func TestBalloonOfEvents(t *testing.T) {
	for _, ev := range []string{"ONBATT", "LOWBATT", "COMMBAD", "NOCOMM", "SHUTDOWN", "ONLINE"} {
		e := api.Event{Name: ev, UPS: "ups@nas"}
		title, body := notification(e)
		if title == "" {
			t.Fatalf("%s: no notification text", ev)
		}
		bt, bi, warning := balloon(Note{Title: title, Body: body, Urgent: urgent[ev]})
		if bt == "" || bi == "" || warning != urgent[ev] {
			t.Errorf("%s: balloon %q %q warning %v", ev, bt, bi, warning)
		}
	}
}
