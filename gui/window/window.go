package window

import (
	"context"
	"errors"
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
	// "Other UPSes" tab (watched.go); nil: the tab shows no readings.
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
var ErrNoService = errors.New("the Nutmeg service is not running")

// MaxEvents is how many events the list keeps.
const MaxEvents = 500

// requestTimeout bounds every request to the service.
const requestTimeout = 10 * time.Second

// Update is one change from the service's socket.
type Update struct {
	Linked bool       // the socket answers
	State  *api.State // a new state
	Event  *api.Event // a new event
}

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

	w.glyph = canvas.NewImageFromImage(icon.Draw(icon.State{Level: icon.Unreachable, Charge: -1}, 64))
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

func (w *Window) loadHistory(rng Range) {
	w.request(api.Request{Op: "history", Range: rng.Name}, func(r api.Reply, err error) {
		if rng != w.rng {
			return // another range was picked meanwhile
		}
		if err != nil || !r.OK {
			w.history = nil
			w.showHistory()
			w.chartNote.SetText("The history could not be read: " + reason(r, err))
			return
		}
		w.history = r.History
		w.showHistory()
	})
}

// request sends req from a goroutine and runs done with the answer on the
// UI goroutine.
func (w *Window) request(req api.Request, done func(api.Reply, error)) {
	b := w.cfg.Backend
	go func() {
		var rep api.Reply
		err := ErrNoService
		if b != nil {
			ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
			rep, err = b.Do(ctx, req)
			cancel()
		}
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

// showState puts the state into the header, the figures and the commands.
func (w *Window) showState() {
	h := HeadlineOf(w.linked, w.state)
	if !w.linked && w.cfg.Unlinked != nil {
		h = *w.cfg.Unlinked
	}
	w.title.SetText(h.Title)
	w.title.Importance = importance(h.Level)
	w.title.Refresh()
	w.detail.SetText(h.Detail)
	w.glyph.Image = icon.Draw(IconState(w.linked, w.state), 64)
	w.glyph.Refresh()
	w.showCountdown()
	w.showFigures(Figures(w.state.Status))
	w.showCommands()
}

func (w *Window) showCountdown() {
	w.counting.Store(w.state.Countdown != nil)
	w.countdown.SetText(CountdownLine(w.state.Countdown, w.cfg.Now()))
}

func importance(level string) widget.Importance {
	switch level {
	case "critical":
		return widget.DangerImportance
	case "warning":
		return widget.WarningImportance
	}
	return widget.MediumImportance
}

// showFigures updates the values in place, and rebuilds the form only when
// the set of rows changes (a UPS starts or stops reporting a value).
func (w *Window) showFigures(rows []Row) {
	same := len(rows) == len(w.figureVals)
	for _, r := range rows {
		if _, ok := w.figureVals[r.Label]; !ok {
			same = false
		}
	}
	if !same {
		w.figureVals = make(map[string]*widget.Label, len(rows))
		objs := make([]fyne.CanvasObject, 0, 2*len(rows))
		for _, r := range rows {
			v := widget.NewLabel(r.Text)
			w.figureVals[r.Label] = v
			objs = append(objs, widget.NewLabelWithStyle(r.Label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}), v)
		}
		w.figures.Objects = objs
		w.figures.Refresh()
		return
	}
	for _, r := range rows {
		w.figureVals[r.Label].SetText(r.Text)
	}
}

// Figure is the text of one figure as shown ("" when the row is absent).
func (w *Window) Figure(label string) string {
	if l, ok := w.figureVals[label]; ok {
		return l.Text
	}
	return ""
}

func (w *Window) showCommands() {
	cmds := Commands(w.state.Commands, w.cfg.Descriptions)
	if equalCommands(cmds, w.commands) && len(w.cmdBox.Objects) > 0 {
		return
	}
	w.commands = cmds
	w.cmdButtons = map[string]*widget.Button{}
	var objs []fyne.CanvasObject
	for _, c := range cmds {
		b := widget.NewButton(c.Description, func() { w.onCommand(c) })
		b.Alignment = widget.ButtonAlignLeading
		if c.Risky {
			b.Importance = widget.DangerImportance
		}
		w.cmdButtons[c.Name] = b
		objs = append(objs, container.NewBorder(nil, nil, nil, widget.NewLabel(c.Name), b))
	}
	if len(cmds) == 0 {
		objs = append(objs, widget.NewLabel("The UPS offers no instant commands."))
	}
	w.cmdBox.Objects = objs
	w.cmdBox.Refresh()
}

func equalCommands(a, b []Command) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// onCommand asks before sending an instant command to the UPS.
func (w *Window) onCommand(c Command) {
	w.confirm = dialog.NewConfirm("Send "+c.Name+"?", c.Confirmation(w.state.UPS), func(ok bool) {
		w.confirm = nil
		if ok {
			w.runCommand(c)
		}
	}, w.win)
	w.confirm.SetConfirmText("Send")
	w.confirm.SetDismissText("Cancel")
	if c.Risky {
		w.confirm.SetConfirmImportance(widget.DangerImportance)
	}
	w.confirm.Show()
}

// runCommand sends a confirmed command through the service and says how it
// went.
func (w *Window) runCommand(c Command) {
	w.cmdNote.SetText("Sending " + c.Name + "…")
	if b := w.cmdButtons[c.Name]; b != nil {
		b.Disable()
	}
	// The user confirmed in the dialog: say so to the service, which refuses
	// a command that can cut the outlets without it.
	w.request(api.Request{Op: "command", Name: c.Name, Confirm: c.Name}, func(r api.Reply, err error) {
		if b := w.cmdButtons[c.Name]; b != nil {
			b.Enable()
		}
		if err != nil || !r.OK {
			w.cmdNote.SetText("The UPS did not take " + c.Name + ": " + reason(r, err))
			w.cmdNote.Importance = widget.DangerImportance
		} else {
			w.cmdNote.SetText("The UPS accepted " + c.Name + " (" + c.Description + ").")
			w.cmdNote.Importance = widget.SuccessImportance
		}
		w.cmdNote.Refresh()
	})
}

func (w *Window) showEvents() {
	w.rows = EventRows(w.events, w.cfg.Location)
	if len(w.rows) == 0 {
		w.eventNote.SetText("No events yet.")
		w.eventNote.Show()
	} else {
		w.eventNote.Hide()
	}
	w.eventList.Refresh()
}

func newEventItem() fyne.CanvasObject {
	when := widget.NewLabel("2006-01-02 15:04:05")
	title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	msg := widget.NewLabel("")
	msg.Truncation = fyne.TextTruncateEllipsis
	return container.NewVBox(container.NewHBox(when, title), msg)
}

func (w *Window) updateEventItem(id widget.ListItemID, o fyne.CanvasObject) {
	if id < 0 || id >= len(w.rows) {
		return
	}
	r := w.rows[id]
	box := o.(*fyne.Container)
	top := box.Objects[0].(*fyne.Container)
	top.Objects[0].(*widget.Label).SetText(r.Time)
	t := top.Objects[1].(*widget.Label)
	t.Text, t.Importance = r.Title, importance(r.Level)
	t.Refresh()
	box.Objects[1].(*widget.Label).SetText(r.Message)
}

// EventRows is what the event list shows, newest first.
func (w *Window) EventRows() []EventRow { return append([]EventRow(nil), w.rows...) }

// onRange switches the chart's range and loads its history.
func (w *Window) onRange(label string) {
	for _, r := range Ranges {
		if r.Label == label && r != w.rng {
			w.rng = r
			w.showHistory()
			w.loadHistory(r)
		}
	}
}

func (w *Window) showHistory() {
	p := PlotHistory(w.history, w.rng, w.cfg.Now())
	w.chart.SetPlot(p, w.rng)
	switch {
	case len(p.Charge) == 0 && len(p.Load) == 0:
		w.chartNote.SetText("No figures in the last " + w.rng.Label + " yet: the service keeps one sample a minute.")
	default:
		w.chartNote.SetText("Charge and load over the last " + w.rng.Label + ". Gaps: the value was unknown or the service was not running.")
	}
}

// LoadSettings reads the settings again for the summary.
func (w *Window) LoadSettings() {
	w.settings = nil
	if w.cfg.Settings == nil {
		w.showSettings(errors.New("no settings file"))
		return
	}
	s, err := w.cfg.Settings()
	if err == nil {
		w.settings = &s
	}
	w.showSettings(err)
}

func (w *Window) showSettings(err error) {
	var objs []fyne.CanvasObject
	if w.settings != nil {
		for _, r := range SettingsRows(*w.settings) {
			v := widget.NewLabel(r.Text)
			v.Wrapping = fyne.TextWrapWord
			objs = append(objs, widget.NewLabelWithStyle(r.Label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}), v)
		}
		w.setNote.Hide()
	} else {
		w.setNote.SetText("No settings to show (" + err.Error() + "). \"Change…\" opens the setup wizard.")
		w.setNote.Show()
	}
	w.setForm.Objects = objs
	w.setForm.Refresh()
	w.showJoin()
	w.showWatch()
}

// onChange opens the setup wizard.
func (w *Window) onChange() {
	if w.cfg.StartWizard == nil {
		return
	}
	if err := w.cfg.StartWizard(); err != nil {
		dialog.ShowError(errors.New("the setup wizard did not start: "+err.Error()), w.win)
	}
}

// ShowError shows a problem in a dialog over the window (on the UI
// goroutine), e.g. when "Change…" could not open the wizard.
func (w *Window) ShowError(err error) {
	dialog.ShowError(err, w.win)
}

// IconState is the tray's glyph for the state, drawn in the header.
func IconState(linked bool, st api.State) icon.State {
	s := st.Status
	is := icon.State{Level: icon.Unreachable, Charge: -1}
	if s != nil && s.Charge.OK {
		is.Charge = s.Charge.V
	}
	if !linked || !st.Connected || s == nil {
		return is
	}
	switch {
	case s.Has("LB"):
		is.Level = icon.LowBattery
	case s.Has("OB"):
		is.Level = icon.OnBattery
	default:
		is.Level = icon.Normal
	}
	is.Online = s.Has("OL") && !s.Has("OB")
	is.Charging = s.Has("CHRG") && !s.Has("OB")
	return is
}
