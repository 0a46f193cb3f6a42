package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

func init() {
	register(&command{name: "join", args: "[--user NAME] [--password-stdin] [--settings F] [--state DIR] HOST[:PORT]/UPS",
		summary: "follow a UPS on another machine as a secondary, in one step", run: runJoin})
}

// joinStore is where join keeps the password (tests swap it).
var joinStore = func() secret.Store { return secret.Keyring(5 * time.Second) }

// runJoin sets this machine up as a secondary of HOST[:PORT]/UPS without
// the wizard: it proves the login on the server first, then saves the
// settings (keeping the unrelated ones, such as mail), puts the password
// into the keyring and applies. The password comes from stdin or
// NUTMEG_REMOTE_MONITOR_PASSWORD (what a Nutmeg primary calls it), never
// from the command line.
func runJoin(flags *flag.FlagSet, args []string, e *env) error {
	fset := flags
	user := fset.String("user", nut.DefaultRemoteUser, "the `NAME` to log in as on the server (a Nutmeg primary's user for other machines)")
	stdin := fset.Bool("password-stdin", false, "read the password from the first line of stdin (else NUTMEG_REMOTE_MONITOR_PASSWORD)")
	settings := fset.String("settings", "", "settings `FILE` to write (default: the user's settings file)")
	state := stateDirFlag(fset)
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return flagErr{err}
	}
	// flags may also follow the target: `nutmeg join nas/ups --password-stdin`
	target := fset.Arg(0)
	if fset.NArg() > 1 {
		if err := fset.Parse(fset.Args()[1:]); err != nil {
			return flagErr{err}
		}
		if fset.NArg() > 0 {
			return badInputf("unexpected argument %q: give one HOST[:PORT]/UPS", fset.Arg(0))
		}
	}
	if target == "" {
		return badInputf("give the UPS to follow as HOST[:PORT]/UPS, such as nas.local/ups or 192.168.1.10:3493/ups")
	}
	host, port, ups, err := parseJoinTarget(target)
	if err != nil {
		return badInput{err}
	}

	ro := secret.ResolveOptions{}
	if *stdin {
		ro.Stdin = e.stdin
	}
	pwd, err := secret.Resolve(secret.RemotePassword, ro)
	if err != nil {
		return badInputf("password: give it on stdin with --password-stdin or in NUTMEG_REMOTE_MONITOR_PASSWORD (never on the command line): %v", err)
	}

	path := *settings
	if path == "" {
		if path, err = nut.DefaultPath(); err != nil {
			return err
		}
	}
	s, err := nut.Load(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s = nut.Defaults()
	case err != nil:
		return badInputf("%v", err)
	}
	s.Mode, s.RemoteHost, s.RemotePort, s.Identifier = nut.ModeSecondary, host, port, ups
	s.MonUser, s.MonPwd = *user, pwd
	// A secondary runs no driver and serves no one.
	s.Driver, s.Port, s.DriverOptions = "", "", nil
	s.RMonitor, s.RemotePwd = false, ""
	if err := s.Validate(); err != nil {
		return badInputf("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	st, err := client.CheckFollow(cctx, service.Addr(s), ups, s.MonUser, pwd, client.Options{Timeout: 5 * time.Second})
	cancel()
	if err != nil {
		return err // nothing written yet
	}
	fmt.Fprintf(e.stdout, "%s on %s: %s; %q logs in to follow it\n", ups, service.Addr(s), st.Summary(), s.MonUser)

	dir, err := resolveStateDir(*state, false)
	if err != nil {
		return err
	}
	if err := secret.Save(joinStore(), nut.Settings{MonPwd: pwd}); err != nil {
		return fmt.Errorf("%w (nothing was changed; the service can also take the password from NUTMEG_MONITOR_PASSWORD)", err)
	}
	if err := nut.Save(path, s); err != nil {
		return err
	}
	res, err := service.Apply(ctx, s, path, dir, service.ApplyOptions{})
	if err != nil {
		return fmt.Errorf("settings saved in %s, but applying them failed: %w", path, err)
	}
	fmt.Fprintf(e.stdout, "joined: this machine follows %s@%s as a secondary (settings %s, password in the keyring)\n", ups, service.Addr(s), path)
	if res.Via != "service" {
		fmt.Fprintf(e.stdout, "start the service to keep NUT running: nutmeg service --settings %s --state %s\n", path, dir)
	}
	return nil
}

// parseJoinTarget reads HOST[:PORT]/UPS; an IPv6 host goes in brackets
// when a port follows ([fd00::1]:3493/ups).
func parseJoinTarget(arg string) (host string, port int, ups string, err error) {
	hp, ups, ok := strings.Cut(strings.TrimSpace(arg), "/")
	if !ok || ups == "" || hp == "" {
		return "", 0, "", fmt.Errorf("%q: want HOST[:PORT]/UPS, such as nas.local/ups or 192.168.1.10:3493/ups", arg)
	}
	norm, err := client.NormalizeAddr(hp)
	if err != nil {
		return "", 0, "", fmt.Errorf("%q: %v", arg, err)
	}
	h, p, _ := net.SplitHostPort(norm)
	port, _ = strconv.Atoi(p)
	return h, port, ups, nil
}
