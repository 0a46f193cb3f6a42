package window

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/filelock"
	"github.com/nutmeg-ups/nutmeg/nut/localsock"
)

// ErrRunning means another window process follows the same service; it has
// been asked to come forward.
var ErrRunning = errors.New("the Nutmeg status window is already open")

// InstancePath is the single-instance socket for the window that follows
// the service socket target: in $XDG_RUNTIME_DIR (private to the user), else
// a per-user name in the temp dir. Windows on different services (the demo's
// and the real one) are different instances.
func InstancePath(target string) string {
	sum := sha256.Sum256([]byte(target))
	name := "nutmeg-window-" + hex.EncodeToString(sum[:4]) + ".sock"
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, name)
	}
	return filepath.Join(os.TempDir(), strconv.Itoa(os.Getuid())+"-"+name)
}

// Instance is the first window process's claim: an flock on path+".lock",
// held for the life of the process (a crash never leaves a stale claim),
// and a Unix socket at path on which later starts ask it to come forward.
type Instance struct {
	ln   net.Listener
	lock *os.File
	path string
}

// Claim makes this process the window's single instance. When another
// process holds the claim, Claim asks it to show its window and returns
// ErrRunning.
func Claim(path string) (*Instance, error) {
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("window instance lock: %w", err)
	}
	if err := filelock.TryLock(lock); err != nil {
		lock.Close()
		if !errors.Is(err, filelock.ErrLocked) {
			return nil, fmt.Errorf("window instance lock: %w", err)
		}
		// The first instance may still be starting: give its socket a moment.
		deadline := time.Now().Add(3 * time.Second)
		for {
			if err := Raise(path); err == nil {
				return nil, ErrRunning
			} else if time.Now().After(deadline) {
				// Not ErrRunning: the caller must not exit quietly.
				return nil, fmt.Errorf("another status window holds %s.lock but does not answer: %v", path, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	ln, err := localsock.Listen(path, 0o600) // ours now: replaces a crashed instance's
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("window instance socket: %w", err)
	}
	return &Instance{ln: ln, lock: lock, path: path}, nil
}

// Raise asks the instance at path to bring its window forward.
func Raise(path string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := localsock.Dial(ctx, path)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("show\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("window instance: %w", err)
	}
	if strings.TrimSpace(line) != "ok" {
		return fmt.Errorf("window instance answered %q", line)
	}
	return nil
}

// Serve calls show for every "show" request until Close.
func (i *Instance) Serve(show func()) {
	for {
		c, err := i.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(2 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil || strings.TrimSpace(line) != "show" {
				return
			}
			show()
			c.Write([]byte("ok\n"))
		}()
	}
}

// Close gives the claim up.
func (i *Instance) Close() error {
	err := i.ln.Close()
	os.Remove(i.path)
	i.lock.Close()
	return err
}
