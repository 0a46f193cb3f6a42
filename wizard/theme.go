package wizard

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// variantTheme is Fyne's default theme held at one variant, so that
// screenshots and golden images show light and dark whatever the desktop
// prefers.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

// ThemeVariant returns the default theme fixed to v (theme.VariantLight or
// theme.VariantDark).
func ThemeVariant(v fyne.ThemeVariant) fyne.Theme {
	return variantTheme{Theme: theme.DefaultTheme(), variant: v}
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}
