package flow

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// WatchField is the settings key of the watch list (nut.Watched entries,
// problems keyed "watch[i].host" and so on).
const WatchField = "watch"

// CheckWatch returns the problems x would have as a new entry of the
// watch list (Field "host", "port", "ups", "user" or "password", the
// entry's own key), or nil.
func (f *Flow) CheckWatch(x nut.Watched) []nut.FieldError {
	x = cleanWatch(x)
	s := f.effective()
	s.Watch = append(slices.Clone(s.Watch), x)
	prefix := fmt.Sprintf("%s[%d].", WatchField, len(s.Watch)-1)
	var out []nut.FieldError
	for _, fe := range problemsOf(s) {
		if k, ok := strings.CutPrefix(fe.Field, prefix); ok {
			fe.Field = k
			out = append(out, fe)
		}
	}
	return out
}

// AddWatch appends x to the watch list if the list stays valid with it. It
// returns CheckWatch's problems and adds nothing when there are any: bad
// input is never half taken.
func (f *Flow) AddWatch(x nut.Watched) []nut.FieldError {
	if out := f.CheckWatch(x); len(out) > 0 {
		return out
	}
	f.Settings.Watch = append(slices.Clone(f.Settings.Watch), cleanWatch(x))
	return nil
}

// cleanWatch trims the entry and gives it NUT's port when it has none.
func cleanWatch(x nut.Watched) nut.Watched {
	x.Host, x.UPS, x.User = strings.TrimSpace(x.Host), strings.TrimSpace(x.UPS), strings.TrimSpace(x.User)
	if x.Port == 0 {
		x.Port = nut.DefaultRemotePort
	}
	return x
}

// RemoveWatch takes entry i off the watch list.
func (f *Flow) RemoveWatch(i int) {
	if i < 0 || i >= len(f.Settings.Watch) {
		return
	}
	f.Settings.Watch = slices.Delete(slices.Clone(f.Settings.Watch), i, i+1)
}

// problemsOf is s.Validate's field errors (nil when valid).
func problemsOf(s nut.Settings) []nut.FieldError {
	var ve nut.ValidationErrors
	if err := s.Validate(); err != nil && errors.As(err, &ve) {
		return ve
	}
	return nil
}
