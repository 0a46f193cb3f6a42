package tray

import "unicode/utf16"

// The notification area's balloon holds at most 63 UTF-16 units of title
// and 255 of text (NOTIFYICONDATAW's szInfoTitle[64] and szInfo[256], each
// with its terminating NUL).
const (
	balloonTitleMax = 63
	balloonInfoMax  = 255
)

// balloon is how a Note reads in a Windows balloon: title and text cut to
// fit (with an ellipsis, never inside a surrogate pair), warning for the
// urgent notes (power failure, countdown, communication lost). An empty
// text would remove the balloon instead of showing it, so the title
// stands in for it.
func balloon(n Note) (title, info string, warning bool) {
	info = n.Body
	if info == "" {
		info = n.Title
	}
	return clipUTF16(n.Title, balloonTitleMax), clipUTF16(info, balloonInfoMax), n.Urgent
}

// clipUTF16 cuts s to at most max UTF-16 units, ending in "…" when cut.
func clipUTF16(s string, max int) string {
	if len(utf16.Encode([]rune(s))) <= max {
		return s
	}
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > max-1 { // room for the ellipsis
			return s[:i] + "…"
		}
		n += w
	}
	return s
}
