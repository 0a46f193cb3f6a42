// Command genicon redraws assets/icon.png from gui/icon. Run through
// `go generate ./assets`; a test keeps the committed file in step.
//
// With -hicolor DIR it writes the icon theme tree the package installs
// instead: DIR/NxN/apps/ID.png for every size in HicolorSizes and
// DIR/scalable/apps/ID.svg.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
)

// HicolorSizes are the sizes desktops look up in the hicolor theme.
var HicolorSizes = []int{16, 22, 24, 32, 48, 64, 128, 256, 512}

const appID = "io.github.nutmeg_ups.nutmeg"

func main() {
	hicolor := flag.String("hicolor", "", "write the hicolor icon tree into `DIR` instead of icon.png")
	flag.Parse()
	if *hicolor == "" {
		if err := os.WriteFile("icon.png", icon.PNG(icon.App(512)), 0o644); err != nil {
			log.Fatalf("write icon.png: %v", err)
		}
		return
	}
	write := func(sub, ext string, b []byte) {
		dir := filepath.Join(*hicolor, sub, "apps")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, appID+ext), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	for _, n := range HicolorSizes {
		write(fmt.Sprintf("%dx%d", n, n), ".png", icon.PNG(icon.App(n)))
	}
	write("scalable", ".svg", icon.AppSVG())
}
