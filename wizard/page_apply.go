package wizard

import (
	"context"
	"errors"
	"fmt"
	"github.com/nutmeg-ups/nutmeg/nut/atomicfile"
	"os"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// StatusEvery is how often the Apply page reads the live status.
var StatusEvery = 2 * time.Second

// applyPage runs the applier, shows each step and the result.
type applyPage struct {
	w *Wizard

	progress *flow.Progress
	steps    *fyne.Container
	headline *widget.Label
	status   *widget.Label
	failure  *widget.Label
	fixBox   *fyne.Container
	fixText  *widget.Label
	fixCmd   string
	fix      *flow.Fix
	fixBtn   *widget.Button
	fixNote  *widget.Label
	bar      *widget.ProgressBarInfinite
	// userBox offers the user mode after polkit refused the system mode.
	userBox *fyne.Container
	userBtn *widget.Button
	// refused is true when the last run failed for want of authorization.
	refused bool
}

func (p *applyPage) content() fyne.CanvasObject {
	p.steps = container.NewVBox()
	p.headline = note("")
	p.headline.TextStyle = fyne.TextStyle{Bold: true}
	p.status = note("")
	p.failure = note("")
	p.failure.Importance = widget.DangerImportance
	p.fixText = note("")
	p.fixBtn = widget.NewButton(T.FixIt, p.onFix)
	p.fixBtn.Importance = widget.HighImportance
	if p.w.deps.RunFix == nil {
		p.fixBtn.Hide()
	}
	p.fixNote = note("")
	p.fixBox = container.NewVBox(widget.NewLabelWithStyle(T.Fix, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.fixText, container.NewHBox(p.fixBtn, widget.NewButton(T.CopyCommand, p.onCopyFix)), p.fixNote)
	p.fixBox.Hide()
	p.userBtn = widget.NewButton(T.UserModeFallback, p.onUserMode)
	p.userBtn.Importance = widget.HighImportance
	p.userBox = container.NewVBox(note(T.NotAuthorized), container.NewHBox(p.userBtn))
	p.userBox.Hide()
	p.bar = widget.NewProgressBarInfinite()
	p.bar.Stop()
	p.bar.Hide()
	return container.NewVBox(p.bar, p.steps, widget.NewSeparator(), p.headline, p.status, p.failure, p.userBox, p.fixBox)
}

func (p *applyPage) load() { p.show() }

func (p *applyPage) refresh() {}

// show draws the progress.
func (p *applyPage) show() {
	pr := p.progress
	p.steps.RemoveAll()
	if pr == nil {
		return
	}
	for _, r := range pr.Rows {
		mark := map[string]string{flow.StatePending: "○", flow.StateRunning: "…", flow.StateDone: "✓",
			flow.StateFailed: "✗", flow.StateSkipped: "–"}[r.State]
		name := T.Steps[r.Step]
		if name == "" {
			name = r.Step
		}
		l := widget.NewLabel(mark + "  " + name)
		switch r.State {
		case flow.StateDone:
			l.Importance = widget.SuccessImportance
		case flow.StateFailed:
			l.Importance = widget.DangerImportance
		case flow.StatePending, flow.StateSkipped:
			l.Importance = widget.LowImportance
		}
		p.steps.Add(l)
		if r.Detail != "" && (r.State == flow.StateFailed || r.State == flow.StateRunning) {
			d := note(r.Detail)
			d.TextStyle = fyne.TextStyle{Monospace: true}
			p.steps.Add(d)
		}
	}
	switch {
	case pr.Running:
		p.bar.Show()
		p.bar.Start()
		p.headline.SetText(T.Applying)
	case pr.Err == "":
		p.bar.Stop()
		p.bar.Hide()
		p.headline.Importance = widget.SuccessImportance
		p.headline.SetText(T.Applied)
	default:
		p.bar.Stop()
		p.bar.Hide()
		p.headline.Importance = widget.DangerImportance
		name := T.Steps[pr.Failed]
		if name == "" {
			name = pr.Failed
		}
		p.headline.SetText(T.ApplyFailed + name)
		msg := pr.Err
		if pr.Restored {
			msg += "\n" + T.Restored
		}
		p.failure.SetText(msg)
	}
	if p.refused && pr.Done && p.w.deps.Applier != nil {
		p.userBox.Show()
	} else {
		p.userBox.Hide()
	}
	if pr.Fix != nil {
		p.fixText.SetText(pr.Fix.Title + ": " + pr.Fix.Text + "\n\n" + pr.Fix.Command)
		p.fixCmd = pr.Fix.Command
		p.fix = pr.Fix
		p.fixBox.Show()
	} else {
		p.fixBox.Hide()
	}
	p.headline.Refresh()
}

// start applies the setup in the background: the applier installs and
// proves it, then the settings and the secrets are saved. Nothing is saved
// when the applier fails.
func (p *applyPage) start() {
	w := p.w
	f := w.flow
	p.progress = flow.NewProgress(f.ApplySteps())
	p.refused = false
	p.failure.SetText("")
	p.status.SetText("")
	p.show()
	w.changed()
	s, err := withSecrets(f, w.deps.Store)
	if err != nil {
		p.progress.Update(flow.StepWrite, flow.StateFailed, "")
		p.progress.Finish(err, false)
		p.show()
		w.changed()
		return
	}
	update := func(step, state, detail string) {
		fyne.DoAndWait(func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			p.progress.Update(step, state, detail)
			p.show()
		})
	}
	w.async(func(ctx context.Context) func() {
		err := p.run(ctx, s, update)
		return func() {
			restored := false
			for _, r := range p.progress.Rows {
				if r.Step == "restore" && r.State == flow.StateDone {
					restored = true
				}
			}
			p.progress.Finish(err, restored)
			p.refused = errors.Is(err, ErrNotAuthorized)
			if err == nil {
				w.Applied = true
				p.watch(s)
			}
			p.show()
			w.changed()
		}
	})
}

// run saves the settings and the secrets, then has the applier install
// and prove them; when that fails, the settings file and the keyring are
// put back as they were (the applier restores NUT's files).
func (p *applyPage) run(ctx context.Context, s nut.Settings, update func(step, state, detail string)) error {
	d := p.w.deps
	applier := d.Applier
	if p.w.flow.Run == flow.RunSystem && d.SystemApplier != nil {
		applier = d.SystemApplier
	}
	if applier == nil {
		return errors.New(T.NoApplier)
	}
	update(flow.StepSave, flow.StateRunning, "")
	var old []nut.Watched
	if d.SettingsPath != "" {
		if o, err := nut.Load(d.SettingsPath); err == nil {
			old = o.Watch
		}
	}
	snap := takeSnapshot(d, watchKeys(old, s.Watch))
	err := save(d, s)
	if err == nil {
		err = forgetWatchPasswords(d, old, s.Watch)
	}
	if err != nil {
		update(flow.StepSave, flow.StateFailed, err.Error())
		if rerr := snap.restore(d); rerr != nil {
			return fmt.Errorf("%w; putting the previous settings back failed too: %v", err, rerr)
		}
		return err
	}
	update(flow.StepSave, flow.StateDone, "")
	err = applier.Apply(ctx, s, update)
	if err == nil {
		return nil
	}
	if rerr := snap.restore(d); rerr != nil {
		return fmt.Errorf("%w; putting the previous settings back failed too: %v", err, rerr)
	}
	return err
}

// snapshot is the settings file and the keyring's secrets before an apply.
type snapshot struct {
	file    []byte
	hasFile bool
	secrets map[string]*string // nil value: the key was absent
}

var secretKeys = []string{secret.MonitorPassword, secret.RemotePassword, secret.SMTPPassword, secret.ExtraUsers}

func takeSnapshot(d Deps, extra []string) snapshot {
	var sn snapshot
	if d.SettingsPath != "" {
		if b, err := os.ReadFile(d.SettingsPath); err == nil {
			sn.file, sn.hasFile = b, true
		}
	}
	sn.secrets = map[string]*string{}
	if d.Store != nil {
		for _, k := range append(slices.Clone(secretKeys), extra...) {
			if v, err := d.Store.Get(k); err == nil {
				sn.secrets[k] = &v
			} else {
				sn.secrets[k] = nil
			}
		}
	}
	return sn
}

func (sn snapshot) restore(d Deps) error {
	var errs []error
	if d.SettingsPath != "" {
		if sn.hasFile {
			errs = append(errs, atomicfile.Write(d.SettingsPath, sn.file, 0o600))
		} else if err := os.Remove(d.SettingsPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if d.Store != nil {
		for k, v := range sn.secrets {
			if v != nil {
				errs = append(errs, d.Store.Set(k, *v))
			} else if err := d.Store.Delete(k); err != nil && !errors.Is(err, secret.ErrNotFound) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// watchKeys are the keyring keys of the watched UPSes' passwords, before
// and after: an apply that fails puts them back too.
func watchKeys(lists ...[]nut.Watched) []string {
	var keys []string
	for _, l := range lists {
		for _, x := range l {
			if k := secret.WatchPassword(x.Key()); !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// forgetWatchPasswords deletes the keyring passwords of the watched UPSes
// that left the list or no longer log in.
func forgetWatchPasswords(d Deps, old, cur []nut.Watched) error {
	if d.Store == nil {
		return nil
	}
	var errs []error
	for _, o := range old {
		keep := slices.ContainsFunc(cur, func(x nut.Watched) bool { return x.Key() == o.Key() && x.User != "" })
		if keep {
			continue
		}
		if err := d.Store.Delete(secret.WatchPassword(o.Key())); err != nil && !errors.Is(err, secret.ErrNotFound) {
			errs = append(errs, fmt.Errorf("forget the password of %s: %w", o.Key(), err))
		}
	}
	return errors.Join(errs...)
}

// save writes the settings file and the secrets.
func save(d Deps, s nut.Settings) error {
	if d.SettingsPath != "" {
		if err := nut.SaveValid(d.SettingsPath, s); err != nil {
			return fmt.Errorf("save the settings: %w", err)
		}
	}
	if d.Store != nil {
		if err := secret.Save(d.Store, s); err != nil {
			return fmt.Errorf("save the passwords in the keyring: %w", err)
		}
		if err := secret.SaveWatch(d.Store, s); err != nil {
			return fmt.Errorf("save the watched UPSes' passwords in the keyring: %w", err)
		}
	}
	return nil
}

// watch reads the live status until the window closes.
func (p *applyPage) watch(s nut.Settings) {
	w := p.w
	if w.deps.Status == nil {
		return
	}
	go func() {
		t := time.NewTicker(StatusEvery)
		defer t.Stop()
		for {
			ctx, cancel := context.WithTimeout(w.ctx, 10*time.Second)
			st, err := w.deps.Status(ctx, s)
			cancel()
			if w.ctx.Err() != nil {
				return
			}
			text := ""
			if err != nil {
				text = err.Error()
			} else {
				text = T.StatusNow + st.Summary()
				if st.Maker != "" || st.Model != "" {
					text += "\n" + strings.TrimSpace(st.Maker+" "+st.Model)
				}
			}
			fyne.DoAndWait(func() {
				w.mu.Lock()
				defer w.mu.Unlock()
				p.status.SetText(text)
			})
			select {
			case <-w.ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// StatusText is what the live status line says now (tests).
func (w *Wizard) StatusText() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.apply.status.Text
}

// onFix runs the known fix with the administrator's consent; then the
// user goes Back and applies again.
func (p *applyPage) onFix() {
	w := p.w
	if p.fix == nil || w.deps.RunFix == nil {
		return
	}
	fx := *p.fix
	p.fixBtn.Disable()
	p.fixNote.Importance = widget.MediumImportance
	p.fixNote.SetText(T.Fixing)
	w.async(func(ctx context.Context) func() {
		err := w.deps.RunFix(ctx, fx)
		return func() {
			p.fixBtn.Enable()
			if err != nil {
				p.fixNote.Importance = widget.DangerImportance
				p.fixNote.SetText(err.Error())
				return
			}
			p.fixNote.Importance = widget.SuccessImportance
			p.fixNote.SetText(T.Fixed)
		}
	})
}

// onUserMode sets up the user mode after the system mode was refused: the
// settings were put back, so this is a fresh apply.
func (p *applyPage) onUserMode() {
	if !p.refused || p.progress == nil || !p.progress.Done {
		return
	}
	p.w.flow.Run = flow.RunUser
	p.userBox.Hide()
	p.start()
}

func (p *applyPage) onCopyFix() {
	p.w.app.Clipboard().SetContent(p.fixCmd)
}
