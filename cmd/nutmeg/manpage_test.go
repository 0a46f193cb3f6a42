package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

//go:generate go test -count=1 -run ^TestManPageIsCurrent$ . -args -update-man

var updateMan = flag.Bool("update-man", false, "rewrite packaging/man/nutmeg.1 from the command table")

const manPath = "../../packaging/man/nutmeg.1"

// The man page in the package is generated from the command table; a
// command or flag added without `go generate ./cmd/nutmeg` fails here.
func TestManPageIsCurrent(t *testing.T) {
	got := manPage()
	if *updateMan {
		if err := os.WriteFile(manPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(manPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what the command table gives; run go generate ./cmd/nutmeg", manPath)
	}
	for name, c := range commands {
		if !bytes.Contains(got, []byte(roff(strings.TrimSpace(displayName(c)+" "+c.args)))) {
			t.Errorf("command %s missing", name)
		}
		for _, f := range commandFlags(c) {
			if !bytes.Contains(got, []byte(".B "+roff(dashes(f.Name)+f.Name))) {
				t.Errorf("flag --%s of %s missing", f.Name, name)
			}
		}
	}
	// man itself reads it without a warning, where installed
	if _, err := exec.LookPath("man"); err == nil {
		abs, _ := filepath.Abs(manPath)
		cmd := exec.Command("man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", abs)
		cmd.Env = append(os.Environ(), "MANROFFSEQ=", "MANWIDTH=80")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("man -l: %v\n%s", err, out)
		}
	}
}
