//go:build linux

// Package serialsim gives tests and benchmarks simulated serial devices on
// pseudo-terminals: the code under test opens the pty's slave path as if it
// were /dev/ttyS0, and a simulator goroutine on the master side plays a
// UPS, a modem, a silent port or noise, recording every byte it receives.
package serialsim

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Behavior is what a simulated device does with the bytes it receives. It
// gets every byte as it arrives and returns what to send back (nil for
// nothing).
type Behavior interface {
	Receive(b byte) []byte
}

// Sim is one simulated device on a pty.
type Sim struct {
	Path string // the slave side: open this as the serial port

	master *os.File
	slave  *os.File // kept open so the pty stays up between opens
	mu     sync.Mutex
	got    []byte
	done   chan struct{}
	wg     sync.WaitGroup
}

// OpenPTY opens a new pty pair through /dev/ptmx (posix_openpt), unlocks
// it (TIOCSPTLCK) and names its slave (TIOCGPTN). The master is
// non-blocking so that Close ends a pending read.
func OpenPTY() (master *os.File, slavePath string, err error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open /dev/ptmx: %w", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(fd)
		return nil, "", fmt.Errorf("unlockpt: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(fd)
		return nil, "", fmt.Errorf("ptsname: %w", err)
	}
	// Raw from the start: no echo and no CR/LF translation by the line
	// discipline, whatever the code under test does or does not set.
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err == nil {
		t.Iflag &^= unix.ICRNL | unix.IXON | unix.INLCR | unix.IGNCR
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
		err = unix.IoctlSetTermios(fd, unix.TCSETS, t)
	}
	if err != nil {
		unix.Close(fd)
		return nil, "", fmt.Errorf("set pty raw: %w", err)
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), fmt.Sprintf("/dev/pts/%d", n), nil
}

// Start opens a pty and runs b on its master side until Close.
func Start(b Behavior) (*Sim, error) {
	m, path, err := OpenPTY()
	if err != nil {
		return nil, err
	}
	// Holding the slave open keeps the master readable (no EIO hang-up)
	// while the code under test opens and closes the port. It is opened
	// O_PATH-less read-only and never read, so it takes no bytes.
	s := &Sim{Path: path, master: m, done: make(chan struct{})}
	sl, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("open pty slave: %w", err)
	}
	s.slave = sl
	s.wg.Add(1)
	go s.run(b)
	return s, nil
}

func (s *Sim) run(b Behavior) {
	defer s.wg.Done()
	buf := make([]byte, 256)
	if sp, ok := b.(spewer); ok {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			sp.spew(s.master, s.done)
		}()
	}
	for {
		n, err := s.master.Read(buf)
		for _, c := range buf[:n] {
			s.mu.Lock()
			s.got = append(s.got, c)
			s.mu.Unlock()
			if out := b.Receive(c); len(out) > 0 {
				s.master.Write(out)
			}
		}
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			select {
			case <-s.done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}
}

// Received returns every byte the device has received so far.
func (s *Sim) Received() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.got...)
}

// HoldInOtherProcess hands the port to a child process ("sleep"), the way a
// running driver or modem manager holds a port, for tests of code that must
// leave such a port alone. stop ends the child. The child holds the port
// without reading it, so the simulator still records every byte that the
// code under test might send.
func (s *Sim) HoldInOtherProcess() (stop func(), err error) {
	f, err := os.OpenFile(s.Path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.Path, err)
	}
	defer f.Close() // the child keeps its own copy
	cmd := exec.Command("sleep", "30")
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start a process to hold %s: %w", s.Path, err)
	}
	return func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }, nil
}

// Close stops the simulator and closes the pty.
func (s *Sim) Close() error {
	close(s.done)
	s.slave.Close()
	err := s.master.Close()
	s.wg.Wait()
	return err
}

// Silent never answers.
type Silent struct{}

// Receive ignores the byte.
func (Silent) Receive(byte) []byte { return nil }

// Echo sends every byte back, as a modem in command mode with echo on does
// (and it answers "OK" to an "AT" line, like one).
type Echo struct{ line []byte }

// Receive echoes b.
func (e *Echo) Receive(b byte) []byte {
	out := []byte{b}
	if b == '\r' {
		if strings.HasPrefix(strings.ToUpper(string(e.line)), "AT") {
			out = append(out, "\r\nOK\r\n"...)
		}
		e.line = e.line[:0]
	} else {
		e.line = append(e.line, b)
	}
	return out
}

// Garbage sends pseudo-random bytes continuously, whatever it receives.
type Garbage struct{ Seed int64 }

// Receive ignores the byte; the noise comes from spew.
func (Garbage) Receive(byte) []byte { return nil }

type spewer interface {
	spew(w *os.File, done <-chan struct{})
}

func (g Garbage) spew(w *os.File, done <-chan struct{}) {
	r := rand.New(rand.NewSource(g.Seed))
	buf := make([]byte, 32)
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		r.Read(buf)
		w.Write(buf)
	}
}

// Megatec is a Megatec/Q1 UPS: it answers whole lines ending in CR.
// Unknown lines are echoed, as real units do. Commands that would act (T…,
// S…, C…, a bare Q) are recorded in Actions instead of acted on.
type Megatec struct {
	Status string // the Q1 reply without "(" and CR
	Info   string // the I reply without CR, starting with '#'
	line   []byte
	mu     sync.Mutex
	acts   []string
}

// Receive collects a line and answers it at CR.
func (m *Megatec) Receive(b byte) []byte {
	if b != '\r' {
		m.line = append(m.line, b)
		return nil
	}
	l := string(m.line)
	m.line = m.line[:0]
	switch {
	case l == "Q1":
		return []byte("(" + m.Status + "\r")
	case l == "I":
		return []byte(m.Info + "\r")
	case l == "F":
		return []byte("#230.0 004 024.0 50.0\r")
	case l == "Q", strings.HasPrefix(l, "T"), strings.HasPrefix(l, "S"), strings.HasPrefix(l, "C"):
		m.mu.Lock()
		m.acts = append(m.acts, l)
		m.mu.Unlock()
		return nil
	case l == "":
		return nil
	}
	return []byte(l + "\r")
}

// Actions returns the acting commands received.
func (m *Megatec) Actions() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.acts...)
}

// APCSmart is an APC Smart-UPS: it acts on every single byte.
type APCSmart struct {
	ModelName string
	smart     bool
}

// apcRead are the read-only queries this simulator answers.
var apcRead = map[byte]string{
	'Q':    "08",
	'f':    "100.0",
	'B':    "27.20",
	'L':    "230.4",
	'n':    "AS0123456789",
	'b':    "50.9.D",
	'\x1a': "#uD43132135138129uM43229234239224uA43110112114108",
}

// Receive answers one byte.
func (a *APCSmart) Receive(b byte) []byte {
	switch b {
	case 'Y':
		a.smart = true
		return []byte("SM\r\n")
	case '\x01':
		return []byte(a.ModelName + "\r\n")
	}
	if r, ok := apcRead[b]; ok {
		return []byte(r + "\r\n")
	}
	if strings.IndexByte("SUWA@KZD", b) >= 0 {
		return []byte("OK\r\n") // the real unit would act here
	}
	return []byte("NA\r\n")
}
