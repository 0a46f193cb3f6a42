package wizard

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme is Nutmeg's theme for the wizard and the status window: Fyne's
// default, following the desktop's light or dark preference, with the text
// colours that fall short of WCAG AA (4.5:1 against what they are drawn on)
// replaced. Fyne's light theme draws success text #43f436 on white (1.5:1),
// warnings #ff9800 (2.2:1), errors #f44336 (3.7:1), placeholders #888888 on
// the input background (3.2:1), and white on the primary buttons #296ff6
// (4.47:1) — TestThemeContrast computes every pair.
func Theme() fyne.Theme { return aaTheme{theme.DefaultTheme()} }

// ThemeVariant returns Theme fixed to v (theme.VariantLight or
// theme.VariantDark), so that screenshots and golden images show light and
// dark whatever the desktop prefers.
func ThemeVariant(v fyne.ThemeVariant) fyne.Theme {
	return variantTheme{Theme: Theme(), variant: v}
}

type aaTheme struct{ fyne.Theme }

var aaColors = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{
	theme.VariantLight: {
		theme.ColorNameSuccess:     rgb(0x1b7d32),
		theme.ColorNameWarning:     rgb(0xa15c00),
		theme.ColorNameError:       rgb(0xc62828),
		theme.ColorNamePrimary:     rgb(0x1d5fd6),
		theme.ColorNameHyperlink:   rgb(0x1d5fd6),
		theme.ColorNamePlaceHolder: rgb(0x6e6e6e),
	},
	theme.VariantDark: {
		theme.ColorNamePrimary:   rgb(0x1d5fd6),
		theme.ColorNameHyperlink: rgb(0x6aa0ff),
	},
}

func (t aaTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if c, ok := aaColors[v][n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}

func rgb(v uint32) color.Color {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// variantTheme is a theme held at one variant.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}
