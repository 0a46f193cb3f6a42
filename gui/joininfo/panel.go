package joininfo

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// Words of the panel.
const (
	title       = "Other machines on this UPS"
	intro       = "On each computer powered by this UPS, install Nutmeg and choose \"follows a UPS on another machine\", or run the command below and paste the password when it waits for it."
	hidden      = "••••••••••••"
	showLabel   = "Show"
	hideLabel   = "Hide"
	copyPwd     = "Copy password"
	copyCommand = "Copy command"
)

// Panel is the Fyne view of an Info.
type Panel struct {
	clipboard func() fyne.Clipboard
	info      Info
	shown     bool

	box                        *fyne.Container
	form                       *fyne.Container
	hosts, port, ups, user     *widget.Label
	pwd, command, problem      *widget.Label
	show, copyPwd, copyCommand *widget.Button
}

// New makes a hidden panel; clipboard gives the app's clipboard (for Copy).
func New(clipboard func() fyne.Clipboard) *Panel {
	p := &Panel{clipboard: clipboard}
	bold := func(s string) *widget.Label {
		return widget.NewLabelWithStyle(s, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	}
	value := func() *widget.Label { l := widget.NewLabel(""); l.Wrapping = fyne.TextWrapWord; return l }
	p.hosts, p.port, p.ups, p.user = value(), widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel("")
	p.pwd = widget.NewLabel(hidden)
	p.pwd.TextStyle = fyne.TextStyle{Monospace: true}
	p.show = widget.NewButton(showLabel, p.OnShow)
	p.copyPwd = widget.NewButton(copyPwd, p.OnCopyPassword)
	p.command = widget.NewLabel("")
	p.command.TextStyle = fyne.TextStyle{Monospace: true}
	p.command.Wrapping = fyne.TextWrapBreak
	p.copyCommand = widget.NewButton(copyCommand, p.OnCopyCommand)
	p.problem = widget.NewLabel("")
	p.problem.Importance = widget.DangerImportance
	p.problem.Wrapping = fyne.TextWrapWord
	p.problem.Hide()
	p.form = container.New(layout.NewFormLayout(),
		bold("Server"), p.hosts,
		bold("Port"), p.port,
		bold("UPS name"), p.ups,
		bold("User"), p.user,
		bold("Password"), container.NewBorder(nil, nil, nil, container.NewHBox(p.show, p.copyPwd), p.pwd),
	)
	introL := widget.NewLabel(intro)
	introL.Wrapping = fyne.TextWrapWord
	p.box = container.NewVBox(widget.NewSeparator(),
		widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		introL, p.form,
		container.NewBorder(nil, nil, nil, p.copyCommand, p.command), p.problem)
	p.box.Hide()
	return p
}

// Object is the panel's canvas object.
func (p *Panel) Object() fyne.CanvasObject { return p.box }

// Set shows info (ok) or hides the panel (!ok). The password goes back to
// hidden.
func (p *Panel) Set(info Info, ok bool) {
	p.info = info
	p.shown = false
	p.pwd.SetText(hidden)
	p.show.SetText(showLabel)
	p.problem.Hide()
	if !ok {
		p.box.Hide()
		return
	}
	p.hosts.SetText(strings.Join(info.Hosts, ", "))
	p.port.SetText(strconv.Itoa(info.Port))
	p.ups.SetText(info.UPS)
	p.user.SetText(info.User)
	host := "THIS-MACHINE"
	if len(info.Hosts) > 0 {
		host = info.Hosts[0]
	}
	p.command.SetText(info.JoinCommand(host))
	p.box.Show()
	p.box.Refresh()
}

// Visible reports whether the panel is shown.
func (p *Panel) Visible() bool { return p.box.Visible() }

// PasswordText is what the password field shows now (tests).
func (p *Panel) PasswordText() string { return p.pwd.Text }

// CommandText is the join command shown (tests).
func (p *Panel) CommandText() string { return p.command.Text }

func (p *Panel) password() (string, bool) {
	if p.info.Password == nil {
		p.fail("the password is not available here")
		return "", false
	}
	v, err := p.info.Password()
	if err != nil {
		p.fail("the password could not be read: " + err.Error())
		return "", false
	}
	if v == "" {
		p.fail("no password is set for the user for other machines")
		return "", false
	}
	return v, true
}

func (p *Panel) fail(msg string) {
	p.problem.SetText(msg)
	p.problem.Show()
}

// OnShow toggles the password between hidden and shown.
func (p *Panel) OnShow() {
	if p.shown {
		p.shown = false
		p.pwd.SetText(hidden)
		p.show.SetText(showLabel)
		return
	}
	v, ok := p.password()
	if !ok {
		return
	}
	p.problem.Hide()
	p.shown = true
	p.pwd.SetText(v)
	p.show.SetText(hideLabel)
}

// OnCopyPassword puts the password on the clipboard (it stays hidden).
func (p *Panel) OnCopyPassword() {
	if v, ok := p.password(); ok && p.clipboard != nil {
		p.problem.Hide()
		p.clipboard().SetContent(v)
	}
}

// OnCopyCommand puts the join command on the clipboard.
func (p *Panel) OnCopyCommand() {
	if p.clipboard != nil {
		p.clipboard().SetContent(p.command.Text)
	}
}
