// Command genicon redraws assets/icon.png from gui/icon. Run through
// `go generate ./assets`; a test keeps the committed file in step.
package main

import (
	"log"
	"os"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
)

func main() {
	if err := os.WriteFile("icon.png", icon.PNG(icon.App(512)), 0o644); err != nil {
		log.Fatalf("write icon.png: %v", err)
	}
}
