package secret

import (
	"errors"
	"fmt"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// WatchPassword is the keyring key of a watched UPS's password
// (nut.Watched.Key: ups@host:port).
func WatchPassword(watchKey string) string { return "watch-password:" + watchKey }

// LoadWatch fills the passwords of the watched UPSes that log in (a user
// is set) from st. A missing one is left empty: reading a UPS's status
// needs no login on a stock upsd, so the UPS is still shown.
func LoadWatch(st Store, s *nut.Settings) error {
	for i := range s.Watch {
		w := &s.Watch[i]
		if w.User == "" || w.Password != "" {
			continue
		}
		v, err := st.Get(WatchPassword(w.Key()))
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return fmt.Errorf("the password for %s: %w", w.Key(), err)
		default:
			w.Password = v
		}
	}
	return nil
}

// SaveWatch stores the passwords of the watched UPSes that carry one.
func SaveWatch(st Store, s nut.Settings) error {
	for _, w := range s.Watch {
		if w.Password == "" {
			continue
		}
		if err := st.Set(WatchPassword(w.Key()), w.Password); err != nil {
			return fmt.Errorf("save the password for %s: %w", w.Key(), err)
		}
	}
	return nil
}
