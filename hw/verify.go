package hw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/hw/driverdb"
	"github.com/nutmeg-ups/nutmeg/hw/serial"
)

// Verification is what one run of a suggested driver read.
type Verification struct {
	Driver  string            `json:"driver"`
	Command []string          `json:"command"`
	OK      bool              `json:"ok"`               // the driver ran and read ups.status
	Status  string            `json:"status,omitempty"` // ups.status
	Vars    map[string]string `json:"vars,omitempty"`   // everything it dumped
	Output  string            `json:"output,omitempty"` // the driver's own messages, on failure
	Error   string            `json:"error,omitempty"`
}

// dumpLine is one "name: value" line of a driver's -d dump.
var dumpLine = regexp.MustCompile(`^([a-z][a-z0-9_]*(\.[a-z0-9_]+)+): (.*)$`)

// Verify starts the suggested driver once, in dump mode (design.md §6:
// `<driver> -s probe -x port=… -d 1`), with a private, empty config and
// state directory, so that a running NUT setup is not touched: no ups.conf
// is read, and the driver's socket lands in the temporary directory. A
// serial port held by another process is refused, as in Probe.
func Verify(ctx context.Context, db *driverdb.DB, s Suggestion, timeout time.Duration) Verification {
	v := Verification{Driver: s.Driver}
	a := db.Driver(s.Driver)
	if !a.Installed {
		v.Error = fmt.Sprintf("%s is not installed: %s", s.Driver, a.Hint)
		return v
	}
	// A device that another process holds (a running NUT driver) is left
	// alone: the serial port itself, or the USB device's usbfs node.
	held := ""
	if strings.HasPrefix(s.Port, "/dev/") {
		held = s.Port
	} else if rest, ok := strings.CutPrefix(s.Device, "usb:"); ok {
		held = "/dev/bus/usb/" + strings.Replace(rest, ":", "/", 1)
	}
	if held != "" {
		if h := serial.Holders(held); len(h) > 0 {
			v.Error = fmt.Sprintf("%s is in use by %s; not started, so the running setup is not disturbed", held, strings.Join(h, ", "))
			return v
		}
	}
	dir, err := verifyDir()
	if err != nil {
		v.Error = "temp dir: " + err.Error()
		return v
	}
	defer os.RemoveAll(dir)

	args := []string{"-s", "probe", "-x", "port=" + s.Port}
	keys := make([]string, 0, len(s.Options))
	for k := range s.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if val := s.Options[k]; val != "" {
			args = append(args, "-x", k+"="+val)
		} else {
			args = append(args, "-x", k)
		}
	}
	args = append(args, "-d", "1")
	v.Command = append([]string{a.Binary}, args...)

	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.Binary, args...)
	cmd.Env = append(os.Environ(), "NUT_STATEPATH="+dir, "NUT_CONFPATH="+dir, "NUT_ALTPIDPATH="+dir)
	cmd.Dir = dir
	ownGroup(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()

	v.Vars = map[string]string{}
	var msgs []string
	for _, line := range strings.Split(out.String(), "\n") {
		line = strings.TrimRight(line, "\r")
		if m := dumpLine.FindStringSubmatch(line); m != nil {
			v.Vars[m[1]] = m[3]
		} else if strings.TrimSpace(line) != "" {
			msgs = append(msgs, line)
		}
	}
	v.Status = v.Vars["ups.status"]
	v.OK = runErr == nil && v.Status != ""
	if !v.OK {
		v.Output = tail(strings.Join(msgs, "\n"), 4000)
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			v.Error = fmt.Sprintf("the driver did not finish within %v", timeout)
		case runErr != nil:
			v.Error = "the driver failed: " + runErr.Error()
		default:
			v.Error = "the driver ran but reported no ups.status"
		}
	}
	if len(v.Vars) == 0 {
		v.Vars = nil
	}
	return v
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// verifyDir makes the driver's private state dir for one probe run: 0700,
// and owned by the user nut when we are root (the driver drops to it), never
// world-writable, where another local user could plant a socket or a pid
// file.
func verifyDir() (string, error) {
	dir, err := os.MkdirTemp("", "nutmeg-verify-")
	if err != nil {
		return "", err
	}
	if os.Geteuid() != 0 {
		return dir, nil
	}
	u, err := user.Lookup("nut")
	if err != nil {
		return dir, nil // no user nut: the driver keeps running as root
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}
