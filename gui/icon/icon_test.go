package icon

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/color"
	"io"
	"testing"
)

// countNear counts pixels within a small distance of colour c.
func countNear(s State, size int, c color.NRGBA) int {
	img := Draw(s, size)
	n := 0
	for i := 0; i < len(img.Pix); i += 4 {
		p := img.Pix[i : i+4]
		if p[3] == 255 && near(p[0], c.R) && near(p[1], c.G) && near(p[2], c.B) {
			n++
		}
	}
	return n
}

func near(a, b uint8) bool { d := int(a) - int(b); return d < 8 && d > -8 }

func TestFillFollowsCharge(t *testing.T) {
	for _, size := range []int{16, 22, 32, 64} {
		prev := -1
		for _, charge := range []float64{5, 25, 50, 75, 100} {
			n := countNear(State{Level: OnBattery, Charge: charge}, size, amber)
			if n <= prev {
				t.Errorf("size %d: charge %v fills %d px, not more than %d at lower charge", size, charge, n, prev)
			}
			prev = n
		}
	}
}

func TestUnknownChargeIsNotDrawnAsEmptyOrFull(t *testing.T) {
	if n := countNear(State{Level: Normal, Charge: -1}, 32, green); n != 0 {
		t.Fatalf("unknown charge drew %d fill pixels", n)
	}
}

func TestLevelColours(t *testing.T) {
	tests := []struct {
		s    State
		want color.NRGBA
	}{
		{State{Level: Normal, Charge: 90}, green},
		{State{Level: OnBattery, Charge: 90}, amber},
		{State{Level: LowBattery, Charge: 90}, red},
		{State{Level: Unreachable, Charge: 90}, grey},
	}
	for _, tc := range tests {
		if countNear(tc.s, 32, tc.want) < 25 {
			t.Errorf("%+v: colour %v barely present", tc.s, tc.want)
		}
	}
}

func TestUnreachableDrawsCross(t *testing.T) {
	if countNear(State{Level: Unreachable, Charge: -1}, 32, red) < 20 {
		t.Fatal("no cross on the unreachable icon")
	}
}

func TestAppIconIsOpaqueInTheMiddle(t *testing.T) {
	img := App(256)
	if a := img.RGBAAt(128, 128).A; a != 255 {
		t.Fatalf("centre alpha %d", a)
	}
	if a := img.RGBAAt(0, 0).A; a != 0 {
		t.Fatalf("corner alpha %d: tile should have rounded corners", a)
	}
}

// The scalable icon is well-formed SVG with one element per layer of the
// raster icon, in the same order and colours.
func TestAppSVGHasEveryLayer(t *testing.T) {
	dec := xml.NewDecoder(bytes.NewReader(AppSVG()))
	var fills []string
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("AppSVG is not well-formed: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root == "" {
			root = se.Name.Local
			continue
		}
		for _, a := range se.Attr {
			if a.Name.Local == "fill" {
				fills = append(fills, a.Value)
			}
		}
	}
	shapes := appShapes()
	if root != "svg" || len(fills) != len(shapes) {
		t.Fatalf("root %q with %d filled elements, want svg with %d", root, len(fills), len(shapes))
	}
	for i, s := range shapes {
		if want := fmt.Sprintf("#%02x%02x%02x", s.colour.R, s.colour.G, s.colour.B); fills[i] != want {
			t.Errorf("layer %d fill %s, want %s", i, fills[i], want)
		}
	}
}
