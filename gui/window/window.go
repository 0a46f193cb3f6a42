package window

import (
	"context"
	"image"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
	"github.com/nutmeg-ups/nutmeg/gui/joininfo"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// Backend sends requests to the service (nut/api.Client and Feed satisfy
// it).
type Backend interface {
	Do(ctx context.Context, req api.Request) (api.Reply, error)
}

// Config is what the window needs besides the app.
type Config struct {
	// Backend answers the window's requests (events, history, commands);
	// nil: no service, every request fails with ErrNoService.
	Backend Backend
	// Settings loads the settings for the summary; nil shows none.
	Settings func() (nut.Settings, error)
	// RemotePassword reads the password of the user for other machines
	// (Remote Monitor), shown in Settings only on "Show"; Addresses lists
	// this machine's addresses there (nil: joininfo.LocalHosts).
	RemotePassword func() (string, error)
	Addresses      func() []string
	// ReadWatched reads one UPS of the settings' watch list for the
	// "Other UPSes" tab (watched.go) when the service does not (not
	// running, or not watching it yet): the service's readings come first.
	// nil: only the service's readings are shown.
	ReadWatched func(ctx context.Context, w nut.Watched) (client.Status, error)
	// StartWizard runs `nutmeg wizard` ("Change…"); nil disables the button.
	StartWizard func() error
	// Descriptions of instant commands (LoadDescriptions); nil loads NUT's.
	Descriptions map[string]string
	// Location of the event times; nil means time.Local.
	Location *time.Location
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Post runs f on the UI goroutine; nil means fyne.Do. Work that leaves
	// the UI goroutine (requests to the service) comes back through it.
	Post func(f func())
	// Unlinked is what the header says while the service does not answer
	// (nil: "Nutmeg service not running"); `nutmeg window` sets
	// JoinGroupHeadline when the system service's socket refuses the user.
	Unlinked *Headline
}

// JoinGroupHeadline is the header for a user outside the system service's
// group (its socket is root:nutmeg 0660).
var JoinGroupHeadline = Headline{
	Title:  "Join the group nutmeg to see the UPS",
	Detail: "The system's Nutmeg service shows the UPS to members of the group nutmeg only. Run: sudo usermod -aG nutmeg $USER, then log out and in again.",
	Level:  "warning",
}

// ErrNoService is the answer to a request when no service is linked.
var ErrNoService = api.ErrNoService

// MaxEvents is how many events the list keeps.
const MaxEvents = 500

// requestTimeout bounds every request to the service.
const requestTimeout = 10 * time.Second

// Window is the status window: its widgets and what they show.
type Window struct {
	cfg Config
	win fyne.Window

	linked   bool
	state    api.State
	events   []api.Event
	rows     []EventRow
	history  []api.Sample
	rng      Range
	commands []Command
	settings *nut.Settings
	join     *joininfo.Panel // Settings: what other machines need (secondary.go)
	watch    *watchView      // the "Other UPSes" tab (watched.go)

	glyph      *canvas.Image
	title      *widget.Label
	detail     *widget.Label
	countdown  *widget.Label
	figures    *fyne.Container // form layout: label, value, ...
	figureVals map[string]*widget.Label
	rangeSel   *widget.RadioGroup
	chart      *chart
	chartNote  *widget.Label
	eventList  *widget.List
	eventNote  *widget.Label
	cmdBox     *fyne.Container
	cmdButtons map[string]*widget.Button
	cmdNote    *widget.Label
	setForm    *fyne.Container
	setNote    *widget.Label
	change     *widget.Button
	tabs       *container.AppTabs

	confirm *dialog.ConfirmDialog // the open confirmation, if any

	// counting mirrors "a countdown runs" for Follow's ticker goroutine.
	counting atomic.Bool

	// What the header shows, so that a state message that changes nothing
	// visible redraws nothing (the service sends one a second during a
	// countdown; an idle window should not wake the GL driver).
	shownHead  Headline
	shownGlyph icon.State
	glyphs     map[icon.State]image.Image // drawn glyphs by state (glyphFor)
	chartShown bool                       // the chart shows w.history for w.rng
	emptyReads int                        // quick re-reads of an empty history so far
}

// New builds the window in app a (not shown yet).
func New(a fyne.App, cfg Config) *Window {
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Post == nil {
		cfg.Post = fyne.Do
	}
	if cfg.Descriptions == nil {
		cfg.Descriptions = LoadDescriptions(CmdDescFile)
	}
	w := &Window{cfg: cfg, win: a.NewWindow("Nutmeg: UPS status"), rng: Ranges[0],
		figureVals: map[string]*widget.Label{}, cmdButtons: map[string]*widget.Button{}}

	w.shownGlyph = icon.State{Level: icon.Unreachable, Charge: -1}
	w.glyphs = map[icon.State]image.Image{}
	w.glyph = canvas.NewImageFromImage(w.glyphFor(w.shownGlyph))
	w.glyph.FillMode = canvas.ImageFillContain
	w.glyph.SetMinSize(fyne.NewSize(48, 48))
	w.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.title.SizeName = theme.SizeNameSubHeadingText
	w.detail = widget.NewLabel("")
	w.detail.Wrapping = fyne.TextWrapWord
	w.countdown = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.countdown.Importance = widget.DangerImportance
	w.countdown.SizeName = theme.SizeNameSubHeadingText
	// The countdown line is always there (empty without a countdown), so
	// that it appearing and going never moves the rest of the window.
	header := container.NewBorder(nil, nil, w.glyph, nil, container.NewVBox(w.title, w.detail, w.countdown))

	w.figures = container.New(layout.NewFormLayout())

	labels := make([]string, len(Ranges))
	for i, r := range Ranges {
		labels[i] = r.Label
	}
	w.rangeSel = widget.NewRadioGroup(labels, w.onRange)
	w.rangeSel.Horizontal = true
	w.rangeSel.Required = true
	w.rangeSel.Selected = w.rng.Label
	w.chart = newChart()
	w.chartNote = widget.NewLabel("")
	chartTab := container.NewBorder(container.NewHBox(w.rangeSel, layout.NewSpacer(), legend()), w.chartNote, nil, nil, w.chart)

	w.eventNote = widget.NewLabel("")
	w.eventList = widget.NewList(func() int { return len(w.rows) }, newEventItem, w.updateEventItem)
	eventsTab := container.NewBorder(w.eventNote, nil, nil, nil, w.eventList)

	w.cmdNote = widget.NewLabel("")
	w.cmdNote.Wrapping = fyne.TextWrapWord
	w.cmdBox = container.NewVBox()
	cmdTab := container.NewBorder(nil, w.cmdNote, nil, nil, container.NewVScroll(w.cmdBox))

	w.setForm = container.New(layout.NewFormLayout())
	w.setNote = widget.NewLabel("")
	w.setNote.Wrapping = fyne.TextWrapWord
	w.join = joininfo.New(a.Clipboard)
	w.change = widget.NewButtonWithIcon("Change…", theme.SettingsIcon(), w.onChange)
	if cfg.StartWizard == nil {
		w.change.Disable()
	}
	setTab := container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), w.change), nil, nil,
		container.NewVScroll(container.NewVBox(w.setForm, w.setNote, w.join.Object())))

	w.tabs = container.NewAppTabs(
		container.NewTabItem("Status", container.NewVScroll(w.figures)),
		container.NewTabItem("History", chartTab),
		container.NewTabItem("Events", eventsTab),
		container.NewTabItem("Commands", cmdTab),
		container.NewTabItem("Settings", setTab),
	)
	w.win.SetContent(container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil, w.tabs))
	w.win.Resize(fyne.NewSize(640, 520))

	w.showState()
	w.showEvents()
	w.showHistory()
	w.LoadSettings()
	return w
}

// Window is the Fyne window (Show, ShowAndRun, RequestFocus).
func (w *Window) Window() fyne.Window { return w.win }

// Apply shows one change from the service (on the UI goroutine). When the
// link comes up, the window asks for the event log and the history.
func (w *Window) Apply(u Update) {
	was := w.linked
	w.linked = u.Linked
	if u.State != nil {
		w.state = *u.State
	}
	if u.Event != nil {
		w.events = MergeEvents(w.events, []api.Event{*u.Event}, MaxEvents)
		w.showEvents()
	}
	w.showState()
	w.showServedWatch()
	if u.Linked && !was {
		w.Refresh()
	}
}

// Refresh asks the service for the event log and the history again.
func (w *Window) Refresh() {
	rng := w.rng
	w.request(api.Request{Op: "events", Limit: MaxEvents}, func(r api.Reply, err error) {
		if err != nil || !r.OK {
			w.eventNote.SetText("The event log could not be read: " + reason(r, err))
			w.eventNote.Show()
			return
		}
		w.events = MergeEvents(w.events, r.Events, MaxEvents)
		w.showEvents()
	})
	w.loadHistory(rng)
}

// request sends req from a goroutine and runs done with the answer on the
// UI goroutine. Without a backend there is nothing to wait for: done runs at
// once, on the caller's (UI) goroutine.
func (w *Window) request(req api.Request, done func(api.Reply, error)) {
	b := w.cfg.Backend
	if b == nil {
		done(api.Reply{}, ErrNoService)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		rep, err := b.Do(ctx, req)
		cancel()
		w.cfg.Post(func() { done(rep, err) })
	}()
}

func reason(r api.Reply, err error) string {
	if err != nil {
		return err.Error()
	}
	if r.Reason != "" {
		return r.Reason
	}
	return "no reason given"
}
