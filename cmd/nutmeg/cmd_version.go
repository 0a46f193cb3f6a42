package main

import (
	"flag"
	"fmt"

	"github.com/nutmeg-ups/nutmeg"
)

func init() {
	register(&command{name: "version", summary: "print the version", run: runVersion})
}

func runVersion(fs *flag.FlagSet, args []string, e *env) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintln(e.stdout, nutmeg.VersionString())
	return err
}
