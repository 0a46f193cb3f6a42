package wizard

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// watchTexts are the words of the watch list's editor (the Advanced
// page's "Other UPSes to watch"), kept apart from texts.go like TS.
type watchTexts struct {
	Title, Intro, None, Host, HostHint, Port, UPS, UPSHint, User, UserHint, Password, Mail, Add, Remove,
	WithUser, PasswordKept, MailOn, BadPort string
}

// TW is the English set.
var TW = watchTexts{
	Title:        "Other UPSes to watch",
	Intro:        "Nutmeg can also show other UPSes, read-only: a UPS on another NUT server, or another UPS behind this one. The status window and the tray menu list them, and their power events go to the event log (and by mail, if you choose). This computer never shuts down for them.",
	None:         "No other UPS is watched.",
	Host:         "Server",
	HostHint:     "host name or IP address",
	Port:         "Port",
	UPS:          "UPS name",
	UPSHint:      "its name on that server, e.g. ups",
	User:         "User (optional)",
	UserHint:     "only if the server wants a login to read",
	Password:     "Password",
	Mail:         "Mail its events too (the mail server and events are set under Notifications)",
	Add:          "Add UPS",
	Remove:       "Remove",
	WithUser:     "user %s",
	PasswordKept: "password in the keyring",
	MailOn:       "events by mail",
	BadPort:      "must be a port number from 1 to 65535",
}

// watchEditor lists the watched UPSes with a Remove button each, and adds
// one from the form below the list once the entry is valid (flow.AddWatch
// runs the settings' own rules; a refused entry keeps what was typed and
// names the field at fault under it).
type watchEditor struct {
	w *Wizard

	list                       *fyne.Container
	removes                    []*widget.Button
	host, port, ups, user, pwd *row
	mail                       *widget.Check
	add                        *widget.Button
	box                        *fyne.Container
}

func (p *watchEditor) content() fyne.CanvasObject {
	form := func(key, label, hint string, password bool) *row {
		e := newEntry(false, password, p.w.onCancel)
		e.SetPlaceHolder(hint)
		r := newRow(key, label, e)
		r.entry = e
		e.OnSubmitted = func(string) { p.onAdd() }
		return r
	}
	p.host = form("host", TW.Host, TW.HostHint, false)
	p.port = form("port", TW.Port, "3493", false)
	p.ups = form("ups", TW.UPS, TW.UPSHint, false)
	p.user = form("user", TW.User, TW.UserHint, false)
	p.pwd = form("password", TW.Password, "", true)
	p.mail = widget.NewCheck(TW.Mail, nil)
	p.add = widget.NewButton(TW.Add, p.onAdd)
	p.list = container.NewVBox()
	title := widget.NewLabelWithStyle(TW.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.box = container.NewVBox(widget.NewSeparator(), title, note(TW.Intro), p.list,
		p.host.box, p.port.box, p.ups.box, p.user.box, p.pwd.box, p.mail, container.NewHBox(p.add))
	return p.box
}

// load shows the flow's list and an empty form.
func (p *watchEditor) load() {
	p.clearForm()
	p.render()
}

// refresh shows the list's problems (settings loaded from a file may
// carry some).
func (p *watchEditor) refresh() { p.render() }

func (p *watchEditor) clearForm() {
	for _, r := range p.rows() {
		r.entry.SetText("")
		r.rule.Hide()
		r.entry.SetValidationError(nil)
	}
	p.mail.SetChecked(false)
}

func (p *watchEditor) rows() []*row { return []*row{p.host, p.port, p.ups, p.user, p.pwd} }

// render rebuilds the list: one line per watched UPS with what it is read
// with, its problem if any, and its Remove button.
func (p *watchEditor) render() {
	ws := p.w.flow.Settings.Watch
	p.removes = p.removes[:0]
	var objs []fyne.CanvasObject
	if len(ws) == 0 {
		objs = append(objs, note(TW.None))
	}
	for i, x := range ws {
		var details []string
		if x.User != "" {
			details = append(details, strings.Replace(TW.WithUser, "%s", x.User, 1))
			if x.Password == "" {
				details = append(details, TW.PasswordKept)
			}
		}
		if x.Mail {
			details = append(details, TW.MailOn)
		}
		// Border, not HBox: long names are cut with an ellipsis instead
		// of widening the page past the window.
		name := widget.NewLabelWithStyle(x.Key(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		name.Truncation = fyne.TextTruncateEllipsis
		text := container.NewVBox(name)
		if len(details) > 0 {
			d := widget.NewLabel(strings.Join(details, " · "))
			d.Truncation = fyne.TextTruncateEllipsis
			text.Add(d)
		}
		rm := widget.NewButton(TW.Remove, func() { p.onRemove(i) })
		p.removes = append(p.removes, rm)
		line := container.NewBorder(nil, nil, nil, container.NewCenter(rm), text)
		objs = append(objs, line)
		if fe, bad := p.w.flow.FieldProblem(flow.WatchField + "[" + strconv.Itoa(i) + "]"); bad {
			r := widget.NewLabel(strings.TrimPrefix(fe.Field, flow.WatchField+"["+strconv.Itoa(i)+"].") + " " + fe.Rule)
			r.Importance = widget.DangerImportance
			r.Wrapping = fyne.TextWrapWord
			objs = append(objs, r)
		}
	}
	p.list.Objects = objs
	p.list.Refresh()
}

// onAdd adds the form's entry, or shows why not under the fields at fault.
func (p *watchEditor) onAdd() {
	x := nut.Watched{Host: p.host.entry.Text, UPS: p.ups.entry.Text, User: p.user.entry.Text,
		Password: p.pwd.entry.Text, Mail: p.mail.Checked}
	problems := map[*row]string{}
	if v := strings.TrimSpace(p.port.entry.Text); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			problems[p.port] = TW.BadPort
			n = nut.DefaultRemotePort // the other fields are still checked
		}
		x.Port = n
	}
	var fes []nut.FieldError
	if len(problems) > 0 {
		fes = p.w.flow.CheckWatch(x) // the port is not a number: nothing is added
	} else {
		fes = p.w.flow.AddWatch(x)
	}
	for _, fe := range fes {
		for _, r := range p.rows() {
			if r.key == fe.Field && problems[r] == "" {
				problems[r] = fe.Rule
			}
		}
	}
	for _, r := range p.rows() {
		if rule, bad := problems[r]; bad {
			r.rule.SetText(rule)
			r.rule.Show()
			r.entry.SetValidationError(errorString(rule))
		} else {
			r.rule.Hide()
			r.entry.SetValidationError(nil)
		}
	}
	if len(problems) == 0 {
		p.clearForm()
	}
	p.w.changed()
}

func (p *watchEditor) onRemove(i int) {
	p.w.flow.RemoveWatch(i)
	p.w.changed()
}

type errorString string

func (e errorString) Error() string { return string(e) }
