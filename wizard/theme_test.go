package wizard

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Every text colour the wizard and the window use meets WCAG AA (4.5:1)
// against what it is drawn on, in both variants, computed from the theme.
func TestThemeContrast(t *testing.T) {
	pairs := []struct{ text, on fyne.ThemeColorName }{
		{theme.ColorNameForeground, theme.ColorNameBackground},
		{theme.ColorNameSuccess, theme.ColorNameBackground},   // SuccessImportance labels, Review's lines
		{theme.ColorNameWarning, theme.ColorNameBackground},   // WarningImportance labels
		{theme.ColorNameError, theme.ColorNameBackground},     // DangerImportance labels, Review's lines
		{theme.ColorNameHyperlink, theme.ColorNameBackground}, // links
		{theme.ColorNameForeground, theme.ColorNameInputBackground},
		{theme.ColorNamePlaceHolder, theme.ColorNameInputBackground},
		{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary}, // Next, Apply
		{theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess},
		{theme.ColorNameForegroundOnError, theme.ColorNameError},
		{theme.ColorNameForegroundOnWarning, theme.ColorNameWarning},
	}
	for name, v := range Variants {
		th := ThemeVariant(v)
		for _, p := range pairs {
			if r := contrast(th.Color(p.text, v), th.Color(p.on, v)); r < 4.5 {
				t.Errorf("%s: %s on %s is %.2f:1, want at least 4.5:1", name, p.text, p.on, r)
			}
		}
	}
	// The theme follows the desktop's variant when not held at one.
	if Theme().Color(theme.ColorNameBackground, theme.VariantDark) == Theme().Color(theme.ColorNameBackground, theme.VariantLight) {
		t.Error("Theme ignores the variant")
	}
}

func TestContrastFormula(t *testing.T) {
	black, white := color.NRGBA{A: 0xff}, color.NRGBA{0xff, 0xff, 0xff, 0xff}
	for _, tc := range []struct {
		a, b color.Color
		want float64
	}{{black, white, 21}, {white, white, 1}, {color.NRGBA{0x76, 0x76, 0x76, 0xff}, white, 4.54}} {
		if got := contrast(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("contrast(%v, %v) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}

// contrast is WCAG 2's contrast ratio of two opaque colours.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		x := float64(v) / 0xffff
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}
