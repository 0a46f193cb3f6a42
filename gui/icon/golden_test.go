package icon

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/")

// goldenStates are the tray's main looks (see docs/architecture.md, What the user sees).
var goldenStates = []struct {
	name string
	s    State
}{
	{"online-full", State{Level: Normal, Charge: 100, Online: true}},
	{"charging-80", State{Level: Normal, Charge: 80, Online: true, Charging: true}},
	{"onbattery-64", State{Level: OnBattery, Charge: 64}},
	{"lowbattery-9", State{Level: LowBattery, Charge: 9}},
	{"unreachable", State{Level: Unreachable, Charge: -1}},
	{"online-unknown-charge", State{Level: Normal, Charge: -1, Online: true}},
}

// TestGoldens compares every main state at every tray size with the PNG
// in testdata/, pixel for pixel; a mismatch writes the new rendering to
// testdata/failed/ for a look (go test ./gui/icon -update accepts it).
func TestGoldens(t *testing.T) {
	for _, g := range goldenStates {
		for _, size := range []int{16, 22, 32, 64} {
			name := fmt.Sprintf("%s-%d.png", g.name, size)
			got := Draw(g.s, size)
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, PNG(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%s: %v (run go test ./gui/icon -update)", name, err)
			}
			want, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// Compare as stored: PNG keeps straight alpha, so both sides
			// go through the same encoding.
			gotPNG, _ := png.Decode(bytes.NewReader(PNG(got)))
			if x, y, ok := samePixels(gotPNG, want); !ok {
				os.MkdirAll(filepath.Join("testdata", "failed"), 0o755)
				os.WriteFile(filepath.Join("testdata", "failed", name), PNG(got), 0o644)
				t.Errorf("%s differs from the golden at (%d,%d); see testdata/failed/%s", name, x, y, name)
			}
		}
	}
}

func samePixels(got, want image.Image) (int, int, bool) {
	if got.Bounds() != want.Bounds() {
		return -1, -1, false
	}
	b := got.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, a1 := got.At(x, y).RGBA()
			r2, g2, b2, a2 := want.At(x, y).RGBA()
			if r1>>8 != r2>>8 || g1>>8 != g2>>8 || b1>>8 != b2>>8 || a1>>8 != a2>>8 {
				return x, y, false
			}
		}
	}
	return 0, 0, true
}

// TestLegibleOnLightAndDarkPanels composites every state over a light and
// a dark panel colour and counts the pixels that stand out from the panel
// (a clear luminance difference): at least two icon edges' worth on each.
func TestLegibleOnLightAndDarkPanels(t *testing.T) {
	panels := map[string][3]int{"light": {0xf0, 0xf0, 0xf0}, "dark": {0x2a, 0x2a, 0x2e}}
	lum := func(r, g, b int) int { return (299*r + 587*g + 114*b) / 1000 }
	for _, g := range goldenStates {
		for _, size := range []int{16, 22, 32, 64} {
			img := Draw(g.s, size)
			for pname, bg := range panels {
				n := 0
				for i := 0; i < len(img.Pix); i += 4 {
					p := img.Pix[i : i+4] // premultiplied
					var c [3]int
					for k := 0; k < 3; k++ {
						c[k] = int(p[k]) + bg[k]*(255-int(p[3]))/255
					}
					d := lum(c[0], c[1], c[2]) - lum(bg[0], bg[1], bg[2])
					if d > 60 || d < -60 {
						n++
					}
				}
				if n < 2*size {
					t.Errorf("%s at %d px on a %s panel: %d pixels stand out, want at least %d", g.name, size, pname, n, 2*size)
				}
			}
		}
	}
}
