package icon

import (
	"encoding/binary"
	"testing"
)

// The icon file's directory points at each DIB entry, whose header says the
// size (height doubled) and 32 bits per pixel, and whose pixels are the
// image's, bottom-up, un-premultiplied BGRA.
func TestICO(t *testing.T) {
	a, b := Draw(State{Level: Normal, Charge: 80, Online: true}, 16), App(32)
	ico := ICO(a, b)
	if n := binary.LittleEndian.Uint16(ico[4:]); n != 2 {
		t.Fatalf("%d images", n)
	}
	for i, img := range [][2]int{{16, 0}, {32, 1}} {
		e := ico[6+16*i:]
		if int(e[0]) != img[0] || int(e[1]) != img[0] || binary.LittleEndian.Uint16(e[6:]) != 32 {
			t.Fatalf("entry %d: %v", i, e[:8])
		}
		size, off := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
		if int(off+size) > len(ico) {
			t.Fatalf("entry %d beyond the file", i)
		}
		d := ico[off:]
		if binary.LittleEndian.Uint32(d) != 40 || int(binary.LittleEndian.Uint32(d[4:])) != img[0] || int(binary.LittleEndian.Uint32(d[8:])) != 2*img[0] {
			t.Fatalf("entry %d: bad header", i)
		}
		if want := 40 + img[0]*img[0]*4 + img[0]*4; int(size) != want {
			t.Fatalf("entry %d: %d bytes, want %d", i, size, want)
		}
	}
	// The top-left pixel of the app icon is the last row's first pixel.
	off := binary.LittleEndian.Uint32(ico[6+16+12:])
	px := ico[int(off)+40+31*32*4:][:4]
	c := b.RGBAAt(0, 0)
	if px[3] != c.A {
		t.Fatalf("alpha %d, want %d", px[3], c.A)
	}
}
