// Package window is Nutmeg's status window (`nutmeg window`, docs/architecture.md, What the user sees):
// the live figures, the status in words, a chart of charge and load over the
// service's history, the event log, the UPS's instant commands behind a
// confirmation, and the settings with "Change…" (the wizard).
//
// The texts come from plain functions (model.go, chart.go) that know nothing
// of Fyne; the Fyne part (window.go) is a struct that holds its widgets and
// has one onX method per user action. The window follows the service's
// socket through a Feed (nut/api) and posts every change to the UI
// goroutine; Render draws it for screenshots.
package window
