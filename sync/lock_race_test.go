package sync

import (
	"errors"
	"os"
	"path/filepath"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLockRemovedOnCloseStillExcludes: the holder of a run's lock removes
// the lock file when it closes the run, while others race to open it. At
// no moment do two hold the run, every refusal is a *BusyError, and no
// lock file is left once all are done.
func TestLockRemovedOnCloseStillExcludes(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	var holders, max, held, busy atomic.Int32
	var wg gosync.WaitGroup
	deadline := time.Now().Add(time.Second)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				rf, err := OpenRun(journal)
				if err != nil {
					var be *BusyError
					if !errors.As(err, &be) {
						t.Errorf("open: %v", err)
						return
					}
					busy.Add(1)
					continue
				}
				n := holders.Add(1)
				if n > max.Load() {
					max.Store(n)
				}
				held.Add(1)
				time.Sleep(50 * time.Microsecond)
				holders.Add(-1)
				if err := rf.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	if max.Load() != 1 {
		t.Errorf("%d held the run at once", max.Load())
	}
	if held.Load() < 10 || busy.Load() == 0 {
		t.Errorf("held %d times, refused %d: the race did not happen", held.Load(), busy.Load())
	}
	if _, err := os.Lstat(journal + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a lock file is left: %v", err)
	}
	t.Logf("held %d times, refused %d", held.Load(), busy.Load())
}
