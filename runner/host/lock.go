package host

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/drover/drover/runner/host/safefs"
	"golang.org/x/sys/unix"
)

// Lock is a host's apply lock: an flock on a file that names its holder.
// The kernel releases it when the process exits.
type Lock struct {
	f *os.File
}

// AcquireLock takes the lock at path for holder, without waiting. When
// another process holds it, the error names that holder and since when.
func AcquireLock(path, holder string) (*Lock, error) {
	f, err := safefs.OpenFile(path, unix.O_RDWR|unix.O_CREAT, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, lockedError(path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	text := fmt.Sprintf("%s\n%s\npid %d\n", oneLine(holder), time.Now().UTC().Format(time.RFC3339), os.Getpid())
	if err := writeHolder(f, text); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

func writeHolder(f *os.File, text string) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte(text), 0); err != nil {
		return err
	}
	return f.Sync()
}

func lockedError(path string) error {
	data, _ := ReadFile(path)
	lines := strings.SplitN(strings.TrimSpace(string(data)), "\n", 3)
	holder, since := "another session", "an unknown time"
	if len(lines) > 0 && lines[0] != "" {
		holder = lines[0]
	}
	if len(lines) > 1 {
		since = lines[1]
	}
	return fmt.Errorf("host is locked by %s since %s", holder, since)
}

func oneLine(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\n", " "))
	if s == "" {
		return "an unnamed session"
	}
	return s
}

// LockHolderPID returns the process id of the lock's current (or last)
// holder, as it recorded it, or 0.
func LockHolderPID(path string) int {
	data, err := ReadFile(path)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		var pid int
		if _, err := fmt.Sscanf(l, "pid %d", &pid); err == nil && pid > 0 {
			return pid
		}
	}
	return 0
}

// AcquireLockWait is AcquireLock retried every 100ms until timeout.
func AcquireLockWait(path, holder string, timeout time.Duration) (*Lock, error) {
	deadline := time.Now().Add(timeout)
	for {
		l, err := AcquireLock(path, holder)
		if err == nil || time.Now().After(deadline) || !strings.Contains(err.Error(), "host is locked by") {
			return l, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
