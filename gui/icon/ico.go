package icon

import (
	"bytes"
	"encoding/binary"
	"image"
)

// ICO encodes images as a Windows icon file with classic 32-bit BGRA DIB
// entries (alpha channel, empty AND mask), which every Windows version and
// Wine read through LoadImage: fyne.io/systray on Windows loads the tray
// icon that way, and a PNG it cannot load.
func ICO(imgs ...*image.RGBA) []byte {
	var entries [][]byte
	for _, img := range imgs {
		entries = append(entries, dib(img))
	}
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	le(uint16(0))
	le(uint16(1)) // icon
	le(uint16(len(imgs)))
	off := 6 + 16*len(imgs)
	for i, img := range imgs {
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		b.WriteByte(byte(w)) // 256 wraps to 0, which means 256
		b.WriteByte(byte(h))
		b.WriteByte(0)
		b.WriteByte(0)
		le(uint16(1))
		le(uint16(32))
		le(uint32(len(entries[i])))
		le(uint32(off))
		off += len(entries[i])
	}
	for _, e := range entries {
		b.Write(e)
	}
	return b.Bytes()
}

// dib is one icon image: BITMAPINFOHEADER (height doubled: XOR image and
// AND mask), the pixels bottom-up as BGRA, then the 1-bit AND mask.
func dib(img *image.RGBA) []byte {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	maskRow := (w + 31) / 32 * 4
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	le(uint32(40))
	le(int32(w))
	le(int32(2 * h))
	le(uint16(1))
	le(uint16(32))
	le(uint32(0)) // BI_RGB
	le(uint32(w*h*4 + maskRow*h))
	le(int32(0))
	le(int32(0))
	le(uint32(0))
	le(uint32(0))
	for y := h - 1; y >= 0; y-- {
		for x := 0; x < w; x++ {
			i := img.PixOffset(r.Min.X+x, r.Min.Y+y)
			p := img.Pix[i : i+4] // premultiplied RGBA
			a := p[3]
			un := func(c uint8) byte {
				if a == 0 {
					return 0
				}
				return byte(int(c) * 255 / int(a))
			}
			b.Write([]byte{un(p[2]), un(p[1]), un(p[0]), a})
		}
	}
	b.Write(make([]byte, maskRow*h))
	return b.Bytes()
}
