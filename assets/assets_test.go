package assets

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"testing"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
)

func TestIconDecodesAtDeclaredSize(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(Icon))
	if err != nil {
		t.Fatalf("decode embedded icon: %v", err)
	}
	if b := img.Bounds(); b.Dx() != IconSize || b.Dy() != IconSize {
		t.Fatalf("icon is %v, want %d×%d", b, IconSize, IconSize)
	}
}

// The committed PNG must be what the drawing code makes today; otherwise
// run `go generate ./assets`.
func TestIconMatchesDrawingCode(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(Icon))
	if err != nil {
		t.Fatal(err)
	}
	got := image.NewRGBA(img.Bounds())
	draw.Draw(got, got.Bounds(), img, image.Point{}, draw.Src)
	want := icon.App(IconSize)
	// png round-trips premultiplied RGBA through NRGBA, so allow ±1 per channel.
	for i := range want.Pix {
		d := int(got.Pix[i]) - int(want.Pix[i])
		if d > 1 || d < -1 {
			t.Fatalf("assets/icon.png differs from icon.App at byte %d (%d vs %d); run go generate ./assets", i, got.Pix[i], want.Pix[i])
		}
	}
}
