// Package wizard is the setup wizard's Fyne window over the plain-Go step
// model in wizard/flow. Each page is a struct that holds its widgets and
// names its handlers onX; the handlers only move values between the widgets
// and the flow, which holds every rule.
package wizard

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// Size is the wizard window's size.
var Size = fyne.NewSize(760, 560)

// page is one step's screen.
type page interface {
	// content is built once.
	content() fyne.CanvasObject
	// load copies the flow's values into the widgets when the page is shown.
	load()
	// refresh shows the flow's problems and hides what the mode hides; it
	// never rewrites what the user is typing.
	refresh()
}

// Wizard is the setup window.
type Wizard struct {
	flow *flow.Flow
	deps Deps
	app  fyne.App
	win  fyne.Window

	ctx    context.Context
	cancel context.CancelFunc

	// mu serialises UI updates from background work (probe, apply, status,
	// test mail) with each other and with tests that inspect the window.
	mu sync.Mutex
	bg sync.WaitGroup

	pages     map[flow.Page]page
	objects   map[flow.Page]fyne.CanvasObject
	stepBtns  map[flow.Page]*widget.Button
	title     *widget.Label
	body      *fyne.Container
	scroll    *container.Scroll
	backBtn   *widget.Button
	nextBtn   *widget.Button
	cancelBtn *widget.Button

	find     *findPage
	driver   *driverPage
	access   *accessPage
	shutdown *shutdownPage
	notify   *notifyPage
	advanced *advancedPage
	review   *reviewPage
	apply    *applyPage

	// Applied is true once a setup was applied and saved.
	Applied bool
	closed  bool
	// OnClosed runs when the window closes (after Cancel or Close).
	OnClosed func(applied bool)
}

// New builds the wizard window in app over f. The probe starts at once
// unless the wizard was reopened on saved settings.
func New(app fyne.App, d Deps, f *flow.Flow) *Wizard {
	w := &Wizard{flow: f, deps: d, app: app}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.win = app.NewWindow(T.Title)
	w.build()
	w.win.Resize(Size)
	w.win.SetCloseIntercept(w.onCancel)
	w.win.SetOnClosed(w.closedByDriver)
	w.win.Canvas().SetOnTypedKey(w.onKey)
	w.showPage()
	w.startBackground()
	return w
}

// Window is the wizard's window.
func (w *Wizard) Window() fyne.Window { return w.win }

// Flow is the model the window shows.
func (w *Wizard) Flow() *flow.Flow { return w.flow }

func (w *Wizard) build() {
	w.find = &findPage{w: w}
	w.driver = &driverPage{w: w}
	w.access = &accessPage{w: w}
	w.shutdown = &shutdownPage{w: w}
	w.notify = &notifyPage{w: w}
	w.advanced = &advancedPage{w: w}
	w.review = &reviewPage{w: w}
	w.apply = &applyPage{w: w}
	w.pages = map[flow.Page]page{
		flow.Find: w.find, flow.Driver: w.driver, flow.Access: w.access, flow.Shutdown: w.shutdown,
		flow.Notify: w.notify, flow.Advanced: w.advanced, flow.Review: w.review, flow.Apply: w.apply,
	}
	w.objects = map[flow.Page]fyne.CanvasObject{}
	w.body = container.NewStack()
	for _, p := range flow.AllPages {
		o := w.pages[p].content()
		o.Hide()
		w.objects[p] = o
		w.body.Add(o)
	}

	steps := container.NewVBox()
	w.stepBtns = map[flow.Page]*widget.Button{}
	for _, p := range flow.AllPages {
		p := p
		b := widget.NewButton(T.PageTitles[p.String()], func() { w.onStep(p) })
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		w.stepBtns[p] = b
		steps.Add(b)
	}

	w.title = widget.NewLabel("")
	w.title.TextStyle = fyne.TextStyle{Bold: true}
	w.title.SizeName = "subHeadingText"
	w.backBtn = widget.NewButton(T.Back, w.onBack)
	w.nextBtn = widget.NewButton(T.Next, w.onNext)
	w.nextBtn.Importance = widget.HighImportance
	w.cancelBtn = widget.NewButton(T.Cancel, w.onCancel)
	buttons := container.NewHBox(w.cancelBtn, layout.NewSpacer(), w.backBtn, w.nextBtn)

	w.scroll = container.NewVScroll(container.NewPadded(w.body))
	main := container.NewBorder(w.title, nil, nil, nil, w.scroll)
	left := container.NewBorder(nil, nil, nil, widget.NewSeparator(), steps)
	w.win.SetContent(container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), buttons), left, nil, main))
}

// showPage shows the flow's current page with its values.
func (w *Wizard) showPage() {
	// Only the shown page is in the tree: every edit refreshes the tree
	// (changed), and refreshing the seven hidden pages too (each label
	// wrapped and shaped again) was most of a keystroke's cost.
	o := w.objects[w.flow.Page]
	o.Show()
	w.body.Objects = []fyne.CanvasObject{o}
	w.title.SetText(T.PageTitles[w.flow.Page.String()])
	w.pages[w.flow.Page].load()
	w.changed()
	w.scroll.ScrollToTop()
}

// changed is called after every edit: problems, visibility and buttons.
func (w *Wizard) changed() {
	w.pages[w.flow.Page].refresh()
	f := w.flow
	for p, b := range w.stepBtns {
		if p == f.Page {
			b.Importance = widget.HighImportance
		} else {
			b.Importance = widget.LowImportance
		}
		if f.CanGoto(p) || p == f.Page {
			b.Enable()
		} else {
			b.Disable()
		}
		b.Refresh()
	}
	switch f.Page {
	case flow.Review:
		w.nextBtn.SetText(T.Apply)
	case flow.Apply:
		w.nextBtn.SetText(T.Close)
	default:
		w.nextBtn.SetText(T.Next)
	}
	next := f.CanNext()
	if f.Page == flow.Find && f.Probing && f.Source == flow.SourceNone {
		next = false
	}
	if f.Page == flow.Apply {
		next = w.apply.progress != nil && w.apply.progress.Done
	}
	setEnabled(w.nextBtn, next)
	// after a failed apply everything is back as it was: the user may go
	// back to change the settings, or cancel
	failed := f.Page == flow.Apply && w.apply.progress.CanRetry()
	setEnabled(w.backBtn, f.CanBack() || failed)
	if f.Page == flow.Apply && !failed {
		w.backBtn.Hide()
		w.cancelBtn.Hide()
	} else {
		w.backBtn.Show()
		w.cancelBtn.Show()
	}
	// texts and rows changed size: lay the page out again (the scroll
	// refreshes its content, the shown page, once)
	w.scroll.Refresh()
}

func setEnabled(b interface {
	Enable()
	Disable()
}, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

func (w *Wizard) onNext() {
	f := w.flow
	switch f.Page {
	case flow.Apply:
		if w.apply.progress != nil && w.apply.progress.Done {
			w.close()
		}
		return
	case flow.Review:
		if !f.CanApply() {
			return
		}
		f.Next()
		w.showPage()
		w.apply.start()
		return
	}
	if f.Next() {
		w.showPage()
	}
}

func (w *Wizard) onBack() {
	if w.flow.Page == flow.Apply {
		if !w.apply.progress.CanRetry() {
			return
		}
		w.flow.Retry()
	} else {
		w.flow.Back()
	}
	w.showPage()
}

func (w *Wizard) onStep(p flow.Page) {
	if p == w.flow.Page || !w.flow.Goto(p) {
		return
	}
	w.showPage()
}

// onCancel closes without writing anything: the flow holds every change
// and is dropped. During an apply it does nothing (the applier restores on
// its own failure; the window closes when it is done).
func (w *Wizard) onCancel() {
	if w.flow.Page == flow.Apply && (w.apply.progress == nil || !w.apply.progress.Done) {
		return
	}
	w.close()
}

func (w *Wizard) close() {
	if w.closed {
		return
	}
	w.closed = true
	w.cancel()
	w.win.Close()
	if w.OnClosed != nil {
		w.OnClosed(w.Applied)
	}
}

// closedByDriver handles a window closed without our Cancel or Close (the
// app quitting): like Cancel, nothing is written.
func (w *Wizard) closedByDriver() {
	if w.closed {
		return
	}
	w.closed = true
	w.cancel()
	if w.OnClosed != nil {
		w.OnClosed(w.Applied)
	}
}

// Closed reports whether the window was closed.
func (w *Wizard) Closed() bool { return w.closed }

// onKey handles keys that reach no focused widget: Enter is Next, Escape
// is Cancel.
func (w *Wizard) onKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if !w.nextBtn.Disabled() {
			w.onNext()
		}
	case fyne.KeyEscape:
		w.onCancel()
	}
}

// startBackground starts the probe and the import check. A reopened
// wizard probes too, so that another UPS can be picked; the saved one stays
// chosen.
func (w *Wizard) startBackground() { w.find.onRescan() }

// async runs work in the background and then update on the UI, under mu.
func (w *Wizard) async(work func(ctx context.Context) func()) {
	w.bg.Add(1)
	go func() {
		defer w.bg.Done()
		update := work(w.ctx)
		if update == nil || w.ctx.Err() != nil {
			return
		}
		fyne.DoAndWait(func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			update()
		})
	}()
}

// Wait blocks until no background work is running (tests, screenshots).
func (w *Wizard) Wait() { w.bg.Wait() }

// Locked runs fn while no background update touches the window (tests
// and screenshots read widgets through it).
func (w *Wizard) Locked(fn func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn()
}

func sleep() { time.Sleep(20 * time.Millisecond) }
