//go:build linux

package tray

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

// The tray under test runs as a subprocess (this test binary re-executed):
// fyne.io/systray keeps process-wide state (a quit channel closed once, a
// sync.Once around Quit), so it cannot start twice in one process.
const helperEnv = "NUTMEG_TRAY_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		os.Exit(helperMain())
	}
	os.Exit(m.Run())
}

// helperMain is the tray process of the D-Bus tests, configured by env.
func helperMain() int {
	cfg := Config{
		Socket:       os.Getenv("NUTMEG_TRAY_TEST_SOCKET"),
		Server:       os.Getenv("NUTMEG_TRAY_TEST_SERVER"),
		UPS:          os.Getenv("NUTMEG_TRAY_TEST_UPS"),
		Exe:          os.Getenv("NUTMEG_TRAY_TEST_EXE"),
		OpenAtStart:  os.Getenv("NUTMEG_TRAY_TEST_OPEN"),
		NoSettings:   os.Getenv("NUTMEG_TRAY_TEST_NOSETTINGS") == "1",
		PollInterval: 300 * time.Millisecond,
		Notifier:     &DBusNotifier{},
		CheckHost:    os.Getenv("NUTMEG_TRAY_TEST_CHECKHOST") == "1",
		HintFile:     os.Getenv("NUTMEG_TRAY_TEST_HINT"),
	}
	ctx, stop := context.WithCancel(context.Background())
	go func() { // the test ends the helper by closing its stdin
		bufio.NewReader(os.Stdin).ReadString('\n')
		stop()
	}()
	if err := Run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// privateBus starts a session bus of its own for one test, so tests (and
// packages testing in parallel) never meet each other's watcher or
// notification server.
func privateBus(t testing.TB) string {
	t.Helper()
	bin := testneed.Tool(t, "dbus-daemon")
	// The socket goes in a dir of the test's: the session config's
	// tmpdir=/tmp leaves a socket file in /tmp (dbus 1.14) once the bus is
	// killed. A short path: a socket's must fit in 108 bytes.
	dir, err := os.MkdirTemp("", "nmbus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cmd := exec.Command(bin, "--session", "--address=unix:dir="+dir, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon address: %v", err)
	}
	return strings.TrimSpace(line)
}

func busConn(t testing.TB, addr string) *dbus.Conn {
	t.Helper()
	c, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// watcher is a stand-in for the panel's org.kde.StatusNotifierWatcher: it
// only records who registers, the way a panel learns of a tray icon.
type watcher struct {
	mu    sync.Mutex
	items []string // bus names of registered items
}

func (w *watcher) RegisterStatusNotifierItem(sender dbus.Sender, path string) *dbus.Error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.items = append(w.items, string(sender))
	return nil
}

func (w *watcher) last() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.items) == 0 {
		return ""
	}
	return w.items[len(w.items)-1]
}

func startWatcher(t testing.TB, c *dbus.Conn) *watcher {
	t.Helper()
	w := &watcher{}
	if err := c.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	owned(t, c, "org.kde.StatusNotifierWatcher")
	return w
}

func owned(t testing.TB, c *dbus.Conn, name string) {
	t.Helper()
	r, err := c.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", name, r, err)
	}
}

// notifications records org.freedesktop.Notifications.Notify calls.
type notifications struct {
	mu     sync.Mutex
	got    []sentNote
	closed []uint32
	next   uint32
}

type sentNote struct {
	Summary, Body string
	Urgency       byte
	ID, Replaces  uint32
}

func (n *notifications) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var u byte
	if v, ok := hints["urgency"]; ok {
		u, _ = v.Value().(byte)
	}
	n.next++
	n.got = append(n.got, sentNote{summary, body, u, n.next, replaces})
	return n.next, nil
}

func (n *notifications) CloseNotification(id uint32) *dbus.Error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = append(n.closed, id)
	return nil
}

func (n *notifications) closedIDs() []uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]uint32(nil), n.closed...)
}

func (n *notifications) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"body"}, nil
}

func (n *notifications) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "nutmeg-test", "nutmeg", "1", "1.2", nil
}

func (n *notifications) summaries() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var s []string
	for _, x := range n.got {
		s = append(s, x.Summary)
	}
	return s
}

// find returns the last note with summary.
func (n *notifications) find(summary string) (sentNote, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := len(n.got) - 1; i >= 0; i-- {
		if n.got[i].Summary == summary {
			return n.got[i], true
		}
	}
	return sentNote{}, false
}

func (n *notifications) count(summary string) int {
	c := 0
	for _, s := range n.summaries() {
		if s == summary {
			c++
		}
	}
	return c
}

func startNotifications(t testing.TB, c *dbus.Conn) *notifications {
	t.Helper()
	n := &notifications{}
	if err := c.Export(n, notifyPath, notifyName); err != nil {
		t.Fatal(err)
	}
	owned(t, c, notifyName)
	return n
}

// trayProc is the tray under test.
type trayProc struct {
	cmd   *exec.Cmd
	stdin interface{ Close() error }
	out   *lockedBuffer
}

// lockedBuffer collects the helper's output from exec's copier goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startTray(t testing.TB, busAddr string, env ...string) *trayProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	raceDir := t.TempDir()
	cmd.Env = append(os.Environ(), helperEnv+"=1", "DBUS_SESSION_BUS_ADDRESS="+busAddr,
		"XDG_RUNTIME_DIR="+t.TempDir(),
		// Under -race the helper's reports go to files that checkRaces
		// reads, so a known race inside systray does not fail the run
		// while any other race still does.
		"GORACE=exitcode=0 log_path="+filepath.Join(raceDir, "race"))
	cmd.Env = append(cmd.Env, env...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &trayProc{cmd: cmd, stdin: in, out: out}
	t.Cleanup(func() {
		p.stop(t)
		checkRaces(t, raceDir)
	})
	return p
}

// checkRaces fails the test for every data race the helper reported,
// except one inside fyne.io/systray v1.12.2 itself: the goroutine that
// GetLayout starts on its first call runs refresh(), which bumps
// menuVersion under instance.lock while GetLayout reads it under
// menuLock. It is upstream's and harmless (a uint32 revision counter).
func checkRaces(t testing.TB, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "race*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Error(err)
			continue
		}
		for _, rep := range strings.Split(string(b), "WARNING: DATA RACE")[1:] {
			if strings.Contains(rep, "fyne.io/systray.refresh()") && strings.Contains(rep, "fyne.io/systray.(*tray).GetLayout") &&
				!strings.Contains(rep, "nutmeg-ups/nutmeg") {
				t.Log("ignored systray's own GetLayout/refresh race")
				continue
			}
			t.Errorf("data race in the tray process:%s", rep)
		}
	}
}

// stop asks the tray to quit (stdin closes) and waits for a clean exit.
func (p *trayProc) stop(t testing.TB) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("tray exited: %v\n%s", err, p.out)
		}
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
		t.Errorf("tray did not quit\n%s", p.out)
	}
}

// sni reads the tray's StatusNotifierItem and dbusmenu as a panel would.
type sni struct {
	t    testing.TB
	conn *dbus.Conn
	dest string
}

func (s *sni) prop(name string) (dbus.Variant, error) {
	return s.conn.Object(s.dest, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem." + name)
}

func (s *sni) title() string {
	v, err := s.prop("Title")
	if err != nil {
		return ""
	}
	str, _ := v.Value().(string)
	return str
}

func (s *sni) tooltip() string {
	v, err := s.prop("ToolTip")
	if err != nil {
		return ""
	}
	// (s a(iiay) s s): icon name, icons, title, description.
	f, ok := v.Value().([]any)
	if !ok || len(f) < 3 {
		return ""
	}
	str, _ := f[2].(string)
	return str
}

type pixmap struct {
	W, H int32
	Pix  []byte
}

func (s *sni) pixmaps() []pixmap {
	v, err := s.prop("IconPixmap")
	if err != nil {
		s.t.Fatalf("IconPixmap: %v", err)
	}
	var px []pixmap
	if err := dbus.Store([]any{v.Value()}, &px); err != nil {
		s.t.Fatalf("IconPixmap %T: %v", v.Value(), err)
	}
	return px
}

// item is one dbusmenu entry.
type item struct {
	ID       int32
	Label    string
	Visible  bool
	Enabled  bool
	Children []item // a submenu's entries
}

func (s *sni) menu() []item {
	var rev uint32
	var layout struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	err := s.conn.Object(s.dest, "/StatusNotifierItem/menu").Call("com.canonical.dbusmenu.GetLayout", 0,
		int32(0), int32(-1), []string{}).Store(&rev, &layout)
	if err != nil {
		s.t.Fatalf("GetLayout: %v", err)
	}
	return menuItems(layout.Children)
}

// menuItems reads dbusmenu entries (id, properties, children), submenus
// included, separators left out.
func menuItems(children []dbus.Variant) []item {
	var items []item
	for _, c := range children {
		f, ok := c.Value().([]any)
		if !ok || len(f) < 2 {
			continue
		}
		id, _ := f[0].(int32)
		props, _ := f[1].(map[string]dbus.Variant)
		it := item{ID: id, Visible: true, Enabled: true}
		if v, ok := props["label"]; ok {
			it.Label, _ = v.Value().(string)
		}
		if v, ok := props["visible"]; ok {
			it.Visible, _ = v.Value().(bool)
		}
		if v, ok := props["enabled"]; ok {
			it.Enabled, _ = v.Value().(bool)
		}
		if tp, ok := props["type"]; ok && tp.Value() == "separator" {
			continue
		}
		if len(f) > 2 {
			if sub, ok := f[2].([]dbus.Variant); ok {
				it.Children = menuItems(sub)
			}
		}
		items = append(items, it)
	}
	return items
}

// subLabels are the visible entries of the visible submenu whose label
// starts with prefix (nil when there is none).
func (s *sni) subLabels(prefix string) (title string, labels []string) {
	for _, it := range s.menu() {
		if it.Visible && strings.HasPrefix(it.Label, prefix) {
			for _, c := range it.Children {
				if c.Visible {
					labels = append(labels, c.Label)
				}
			}
			return it.Label, labels
		}
	}
	return "", nil
}

// visibleLabels are the labels a user sees, top to bottom.
func (s *sni) visibleLabels() []string {
	var l []string
	for _, it := range s.menu() {
		if it.Visible {
			l = append(l, it.Label)
		}
	}
	return l
}

// click sends a dbusmenu "clicked" event to the visible item with label
// (ids change on each rebuild, so items are found by label).
func (s *sni) click(label string) {
	s.t.Helper()
	for _, it := range s.menu() {
		if it.Visible && it.Label == label {
			call := s.conn.Object(s.dest, "/StatusNotifierItem/menu").Call("com.canonical.dbusmenu.Event", 0,
				it.ID, "clicked", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix()))
			if call.Err != nil {
				s.t.Fatalf("click %q: %v", label, call.Err)
			}
			return
		}
	}
	s.t.Fatalf("no visible menu item %q in %q", label, s.visibleLabels())
}

// waitRegistered waits until the tray registers with the watcher.
func waitRegistered(t testing.TB, c *dbus.Conn, w *watcher, p *trayProc) *sni {
	t.Helper()
	waitFor(t, 15*time.Second, func() bool { return w.last() != "" }, func() string { return "no StatusNotifierItem registered\n" + p.out.String() })
	return &sni{t: t, conn: c, dest: w.last()}
}

func waitFor(t testing.TB, d time.Duration, ok func() bool, why func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v: %s", d, why())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sameIcon reports whether a pixmap read from the bus shows icon.Draw(st,
// size) as straight-alpha ARGB32, within 1 per channel (trayPNG's bound).
func sameIcon(t testing.TB, got []pixmap, st icon.State, size int) bool {
	t.Helper()
	if len(got) != 1 || got[0].W != int32(size) || got[0].H != int32(size) || len(got[0].Pix) != size*size*4 {
		t.Logf("pixmaps: %d", len(got))
		return false
	}
	img := icon.Draw(st, size)
	for i := 0; i < len(img.Pix); i += 4 {
		a := img.Pix[i+3]
		want := [4]uint8{a, 0, 0, 0}
		if a > 0 {
			for c := 0; c < 3; c++ {
				want[c+1] = uint8(min(255, (uint32(img.Pix[i+c])*255+uint32(a)/2)/uint32(a)))
			}
		}
		for c := 0; c < 4; c++ {
			d := int(got[0].Pix[i+c]) - int(want[c])
			if d > 1 || d < -1 {
				t.Logf("pixel %d channel %d: %d, want %d", i/4, c, got[0].Pix[i+c], want[c])
				return false
			}
		}
	}
	return true
}

// scriptExe writes a stand-in for the nutmeg binary that records which
// window the tray asked for.
func scriptExe(t testing.TB) (exe, record string) {
	dir := t.TempDir()
	record = filepath.Join(dir, "started")
	exe = filepath.Join(dir, "nutmeg")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\necho \"$@\" >> "+record+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return exe, record
}
