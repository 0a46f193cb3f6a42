// Package assets embeds Nutmeg's static files.
package assets

import _ "embed"

//go:generate go run ./genicon

// Icon is the 512×512 application icon (PNG), drawn by gui/icon.App.
//
//go:embed icon.png
var Icon []byte

// IconSize is the edge length of Icon in pixels.
const IconSize = 512
