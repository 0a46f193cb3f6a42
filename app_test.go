package nutmeg

import (
	"os"
	"strings"
	"testing"
)

func TestMetaFromFyneApp(t *testing.T) {
	raw, err := os.ReadFile("FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `Version = "`+App.Version+`"`) || App.Version == "" {
		t.Fatalf("version %q not read from FyneApp.toml", App.Version)
	}
	if App.Name != "Nutmeg" || App.ID != "io.github.nutmeg_ups.nutmeg" || App.Icon != "assets/icon.png" {
		t.Fatalf("unexpected metadata %+v", App)
	}
	if _, err := os.Stat(App.Icon); err != nil {
		t.Fatalf("icon named in FyneApp.toml: %v", err)
	}
}

func TestParseMetaIgnoresOtherSections(t *testing.T) {
	m := parseMeta("Version = \"9\"\n[Details]\nVersion = \"1.2.3\"\n[Other]\nName = \"x\"\n")
	if m.Version != "1.2.3" || m.Name != "" {
		t.Fatalf("got %+v", m)
	}
}
