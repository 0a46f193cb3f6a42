package wizard

import (
	"errors"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/service"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// service.Apply's failures land on the Apply page's steps; the texts are
// the supervisor's own (nut/service/supervisor.go).
func TestStepOf(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&service.StepError{Step: "render", Err: errors.New("x")}, flow.StepWrite},
		{&service.StepError{Step: "install", Err: errors.New("x")}, flow.StepWrite},
		{&service.StepError{Step: "start NUT", Err: errors.New("driver exited while starting (exit status 1): No matching HID UPS found")}, flow.StepDriver},
		{&service.StepError{Step: "start NUT", Err: errors.New("upsd exited while starting (exit status 1): not listening")}, flow.StepUpsd},
		{&service.StepError{Step: "start NUT", Err: errors.New("upsd did not serve ups within 30s: stale (driver: x)")}, flow.StepUpsd},
		{&service.StepError{Step: "reload", Err: errors.New("upsmon exited while starting (exit status 1): x")}, flow.StepUpsmon},
		{&service.StepError{Step: "reload", Err: errors.New("the settings file is not valid")}, flow.StepWrite},
		{&service.StepError{Step: "read ups.status", Err: errors.New("x")}, flow.StepStatus},
		{&service.StepError{Step: "log in", Err: errors.New("x")}, flow.StepStatus},
		{errors.New("plain"), flow.StepWrite},
	}
	for _, tc := range tests {
		if got := stepOf(tc.err); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
}
