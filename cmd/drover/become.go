package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/drover/drover/runner/transport"
)

// becomePassword finds the sudo password for become, in this order:
// $DROVER_BECOME_PASSWORD, the first line of the file named by
// $DROVER_BECOME_PASSWORD_FILE, or (with -ask-become-pass) a prompt on the
// terminal, not echoed. "" = none: sudo must then need no password. The
// password is kept in memory only, never logged or printed.
func becomePassword(e *env, ask bool) (string, error) {
	if pw := os.Getenv(transport.BecomePasswordEnv); pw != "" {
		return pw, nil
	}
	if path := os.Getenv(transport.BecomePasswordFileEnv); path != "" {
		return readPasswordFile(path)
	}
	if !ask {
		return "", nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("-ask-become-pass needs a terminal (%v): set %s or %s instead", err, transport.BecomePasswordEnv, transport.BecomePasswordFileEnv)
	}
	defer tty.Close()
	return promptPassword(tty, "BECOME password (sudo): ")
}

// readPasswordFile reads the first line of path, which must not be
// readable by group or others.
func readPasswordFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", transport.BecomePasswordFileEnv, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s: %s is readable by others (mode %04o): chmod 600 %s", transport.BecomePasswordFileEnv, path, st.Mode().Perm(), path)
	}
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("%s: %w", transport.BecomePasswordFileEnv, err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("%s: %s is empty", transport.BecomePasswordFileEnv, path)
	}
	return pw, nil
}

// promptPassword asks on the terminal tty with echo turned off.
func promptPassword(tty *os.File, prompt string) (string, error) {
	fd := int(tty.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", fmt.Errorf("-ask-become-pass: not a terminal: %w", err)
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", err
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
	fmt.Fprint(tty, prompt)
	line, err := bufio.NewReader(tty).ReadString('\n')
	fmt.Fprintln(tty)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
