package secret

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// checkForget stores secrets under a service of this run's own, and one
// under a service whose name starts the same, then forgets the first: its
// secrets go, the neighbour stays, and forgetting again is no error.
func checkForget(t *testing.T) {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	svc := "nutmeg-test-" + hex.EncodeToString(b)
	neighbour := svc + "x"
	keys := []string{MonitorPassword, SMTPPassword, WatchPassword("ups@nas:3493")}
	t.Cleanup(func() {
		for _, k := range keys {
			_ = keyring.Delete(svc, k)
		}
		_ = keyring.Delete(neighbour, MonitorPassword)
	})
	for _, k := range keys {
		if err := keyring.Set(svc, k, "Pw-"+k); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
	if err := keyring.Set(neighbour, MonitorPassword, "keep-me"); err != nil {
		t.Fatal(err)
	}
	if err := forgetService(svc, 20*time.Second); err != nil {
		t.Fatalf("forget: %v", err)
	}
	for _, k := range keys {
		if _, err := keyring.Get(svc, k); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("%s still stored after forgetting (%v)", k, err)
		}
	}
	if v, err := keyring.Get(neighbour, MonitorPassword); err != nil || v != "keep-me" {
		t.Errorf("another service's secret went too: %v", err)
	}
	if err := forgetService(svc, 20*time.Second); err != nil {
		t.Errorf("forgetting nothing: %v", err)
	}
}
