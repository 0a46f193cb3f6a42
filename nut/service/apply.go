package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
)

// StepError is a failed apply, naming the step: "render", "install",
// "start NUT", "read ups.status", "log in", "reload".
type StepError struct {
	Step     string
	Err      error
	Restored bool // the previous files are back (and were proven, when there were any)
}

func (e *StepError) Error() string {
	s := e.Step + ": " + e.Err.Error()
	if e.Restored && !strings.Contains(s, "previous files were restored") {
		s += " (the previous files were restored)"
	}
	return s
}

func (e *StepError) Unwrap() error { return e.Err }

// ApplyResult says what Apply did.
type ApplyResult struct {
	Via    string // "service": the running service reloaded; "fresh": proven by a one-off start
	Status string // ups.status as read after the change
	Dir    string // where the files are
}

// ApplyOptions tune Apply (tests).
type ApplyOptions struct {
	Bin    string
	Listen []string
}

// Apply installs the files for s (saved at settingsPath) into the user-mode
// service's state directory and proves that NUT works on them by reading
// ups.status. With a service running there, the service does it (a
// "reload" request: it renders, installs, restarts NUT, and restores the
// previous set on failure). Without one, Apply renders and installs itself
// (the previous set kept), starts the driver and upsd once, reads ups.status
// and logs in as the monitor user, then stops them; on failure it restores
// the previous files and proves them the same way. The service renders the
// files again when it starts.
func Apply(ctx context.Context, s nut.Settings, settingsPath, stateDir string, o ApplyOptions) (ApplyResult, error) {
	sock := filepath.Join(stateDir, api.SocketName)
	if c, err := api.Dial(ctx, sock); err == nil {
		defer c.Close()
		go func() { // the client wants its messages taken
			for range c.Messages() {
			}
		}()
		abs, err := filepath.Abs(settingsPath)
		if err != nil {
			return ApplyResult{}, &StepError{Step: "reload", Err: err}
		}
		rctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		rep, err := c.Do(rctx, api.Request{Op: "reload", Name: abs})
		if err != nil {
			return ApplyResult{}, &StepError{Step: "reload", Err: err}
		}
		if !rep.OK {
			return ApplyResult{}, &StepError{Step: "reload", Err: errors.New(rep.Reason),
				Restored: strings.Contains(rep.Reason, "previous files were restored")}
		}
		st, err := readStatus(ctx, s)
		if err != nil {
			return ApplyResult{}, &StepError{Step: "read ups.status", Err: err}
		}
		return ApplyResult{Via: "service", Status: st, Dir: EtcDir(stateDir)}, nil
	}
	files, err := Render(s, stateDir, o.Listen, "")
	if err != nil {
		return ApplyResult{}, &StepError{Step: "render", Err: err}
	}
	etc := EtcDir(stateDir)
	if err := os.MkdirAll(RunDir(stateDir), 0o700); err != nil {
		return ApplyResult{}, &StepError{Step: "install", Err: err}
	}
	if err := conf.Install(etc, files, conf.User); err != nil {
		return ApplyResult{}, &StepError{Step: "install", Err: err}
	}
	// Install kept the set it replaced; with none, there is nothing to restart on failure.
	prev, _ := conf.PreviousNames(etc)
	hadFiles := len(prev) > 0
	st, step, err := prove(ctx, s, stateDir, o)
	if err == nil {
		return ApplyResult{Via: "fresh", Status: st, Dir: etc}, nil
	}
	failed := &StepError{Step: step, Err: err}
	if rerr := conf.Restore(etc); rerr != nil {
		failed.Err = fmt.Errorf("%w; restoring the previous files failed too: %v", err, rerr)
		return ApplyResult{}, failed
	}
	failed.Restored = true
	if hadFiles {
		if _, _, perr := proveDir(ctx, stateDir, o); perr != nil {
			failed.Err = fmt.Errorf("%w; and NUT does not start on the previous files either: %v", err, perr)
		}
	}
	return ApplyResult{}, failed
}

// prove starts the driver and upsd on the installed files once, reads
// ups.status and logs in as the monitor user, and stops them. Secondary
// mode: reads ups.status from the remote server and logs in there.
func prove(ctx context.Context, s nut.Settings, stateDir string, o ApplyOptions) (status, step string, err error) {
	if s.Mode != nut.ModeSecondary {
		sup := &Supervisor{Bin: o.Bin, Etc: EtcDir(stateDir), Run: RunDir(stateDir), Root: os.Geteuid() == 0, NoUpsmon: true}
		sup.Reconfigure(s.Identifier, s.Driver, Addr(s))
		if err := sup.Start(ctx); err != nil {
			return "", "start NUT", err
		}
		defer sup.stopAll()
	}
	if s.Mode == nut.ModeSecondary {
		// One plain sentence for the three usual mistakes: a server that
		// does not answer, a wrong UPS name, a wrong user or password.
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		st, err := client.CheckFollow(cctx, Addr(s), s.Identifier, s.MonUser, s.MonPwd, client.Options{Timeout: 5 * time.Second})
		if err != nil {
			step := "read ups.status"
			var fe *client.FollowError
			if errors.As(err, &fe) && fe.Reason == "denied" {
				step = "log in"
			}
			return "", step, err
		}
		return st.Vars["ups.status"], "", nil
	}
	st, err := readStatus(ctx, s)
	if err != nil {
		return "", "read ups.status", err
	}
	if err := proveLogin(ctx, s); err != nil {
		return "", "log in", err
	}
	return st, "", nil
}

// proveLogin shows that the monitor user and password log in to upsd the
// way upsmon does. upsd answers OK to any PASSWORD; only LOGIN checks it.
func proveLogin(ctx context.Context, s nut.Settings) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := client.Dial(cctx, Addr(s), client.Options{Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(s.MonUser, s.MonPwd); err != nil {
		return err
	}
	if err := c.ProveLogin(s.Identifier); err != nil {
		return fmt.Errorf("the monitor user and password do not log in to upsd: %w", err)
	}
	return nil
}

// proveDir starts NUT on whatever files are in the state dir (the restored
// previous set) and reads the status of the UPS that ups.conf and upsd.conf
// name.
func proveDir(ctx context.Context, stateDir string, o ApplyOptions) (string, string, error) {
	prev, err := conf.ImportDir(EtcDir(stateDir))
	if err != nil {
		return "", "read the previous files", err
	}
	if prev.Mode == nut.ModeSecondary {
		return "", "", nil // nothing local to start
	}
	sup := &Supervisor{Bin: o.Bin, Etc: EtcDir(stateDir), Run: RunDir(stateDir), Root: os.Geteuid() == 0, NoUpsmon: true}
	sup.Reconfigure(prev.Identifier, prev.Driver, Addr(prev))
	if err := sup.Start(ctx); err != nil {
		return "", "start NUT", err
	}
	defer sup.stopAll()
	st, err := readStatus(ctx, prev)
	return st, "read ups.status", err
}

func readStatus(ctx context.Context, s nut.Settings) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := client.Dial(cctx, Addr(s), client.Options{Timeout: 5 * time.Second})
	if err != nil {
		return "", err
	}
	defer c.Close()
	vars, err := c.Vars(s.Identifier)
	if err != nil {
		return "", err
	}
	return vars["ups.status"], nil
}

// ApplyRoot renders s for the platform's NUT (system mode: upsmon runs as
// nut, POWERDOWNFLAG at /etc/killpower) and installs it into
// root/etc/nut, root:nut 0640, keeping the previous set. Nothing is
// started: with root "/" the caller restarts the platform's NUT units.
func ApplyRoot(s nut.Settings, root string) (string, conf.Files, error) {
	// SHUTDOWNCMD runs the wrapper that records how the shutdown command
	// ended, for the system service (nutmeg.service) to report and retry.
	wrapper := filepath.Join(root, SystemShutdownWrapper)
	if err := os.MkdirAll(filepath.Dir(wrapper), 0o755); err != nil {
		return "", nil, &StepError{Step: "install", Err: err}
	}
	// Under a test's root the record stays inside it too ("/" on a system).
	line, err := WriteShutdownWrapper(wrapper, filepath.Join(root, SystemShutdownResult), s.EffectiveShutdownCmd())
	if err != nil {
		return "", nil, &StepError{Step: "install", Err: err}
	}
	files, err := conf.Render(s, conf.Options{ShutdownCmd: line})
	if err != nil {
		return "", nil, &StepError{Step: "render", Err: err}
	}
	dir := filepath.Join(root, "etc", "nut")
	if err := conf.Install(dir, files, conf.System); err != nil {
		return "", nil, &StepError{Step: "install", Err: err}
	}
	return dir, files, nil
}
