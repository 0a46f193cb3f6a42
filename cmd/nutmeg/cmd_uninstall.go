package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/secret"
)

// Commands the Windows uninstaller runs (packaging/windows/nutmeg.nsi).
func init() {
	register(&command{name: "forget-secrets", args: "",
		summary: "delete every password Nutmeg stored in this user's keyring (the uninstaller runs it when the settings go)", run: runForgetSecrets})
	register(&command{name: "end-installed", args: "--dir DIR",
		summary: "Windows: end the Nutmeg programs running from DIR (the uninstaller runs it), none from elsewhere", run: runEndInstalled})
}

func runForgetSecrets(fs *flag.FlagSet, args []string, e *env) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := secret.ForgetAll(10 * time.Second); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "forgot the passwords Nutmeg stored in this user's keyring")
	return nil
}

func runEndInstalled(fs *flag.FlagSet, args []string, e *env) error {
	dir := fs.String("dir", "", "the installation `DIR` whose programs to end")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return badInputf("--dir: give the installation directory")
	}
	n, err := endInstalled(*dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ended %d program(s) running from %s\n", n, *dir)
	return nil
}
