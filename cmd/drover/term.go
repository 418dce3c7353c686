package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether r or w is a terminal (a person can answer a
// prompt, or read colours).
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(file.Fd()), unix.TCGETS)
	return err == nil
}
