package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/drover/drover/lab"
)

// cmdLab runs `drover lab up|down|status|exec [DIR]`: a disposable local
// replica of the declared servers (network namespaces with their own sshd),
// which plan/apply/destroy of DIR then reach with no extra flags.
func cmdLab(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "Usage: drover lab up [-vm | -rtt DURATION] [DIR] | drover lab down|status [DIR] | drover lab exec [DIR] SERVER -- COMMAND... | drover lab image [-rebuild]")
		return 1
	}
	sub, rest := args[0], args[1:]
	if isHelp(sub) {
		printHelp(e.stdout, "lab", nil)
		return 0
	}
	switch sub {
	case "up":
		return labUp(e, rest)
	case "image":
		return labImage(e, rest)
	case "down":
		return labSimple(e, "down", rest, func(dir string) error { return lab.Down(labDir(dir), e.stderr) })
	case "status":
		return labSimple(e, "status", rest, func(dir string) error { return labStatus(e, dir) })
	case "exec":
		return labExec(e, rest)
	}
	fmt.Fprintf(e.stderr, "drover lab: unknown subcommand %q (up, down, status, exec, image)\n", sub)
	if s := suggestCommand(sub, []string{"down", "exec", "image", "status", "up"}); s != "" {
		fmt.Fprintf(e.stderr, "Did you mean %q?\n", s)
	}
	return 1
}

func labUp(e *env, args []string) int {
	f := newFlags(e, "lab up").withVars()
	vm := f.Bool("vm", false, "one qemu VM per server (Debian kernel and systemd) instead of network namespaces")
	rebuild := f.Bool("rebuild-image", false, "with -vm: rebuild the VM image even when the cached one is current")
	rtt := f.Duration("rtt", 0, "round-trip time to add between drover and every host's sshd (a delaying relay, e.g. 100ms; 0 = none)")
	dir, ok := f.parseDir(e, args)
	if !ok {
		return 1
	}
	c := loadFor(e, dir, f, false, true) // variables the servers do not use need no value
	if c == nil {
		return 1
	}
	var servers []lab.Server
	for _, s := range c.Servers {
		if !s.Local {
			addr := s.Address // the lab needs IP addresses: a host name is refused, naming the server
			if addr == "" {
				addr = s.Connect
			}
			servers = append(servers, lab.Server{Name: s.Name, Address: addr})
		}
	}
	ctx, cancel := signalContext()
	defer cancel()
	var st *lab.State
	var err error
	if *vm {
		st, err = lab.UpVM(ctx, labDir(dir), servers, lab.VMOptions{Rebuild: *rebuild}, e.stderr)
	} else {
		st, err = lab.Up(ctx, labDir(dir), servers, e.stderr)
	}
	if err == nil && !*vm {
		err = lab.SetRTT(labDir(dir), *rtt, e.stderr)
	} else if err == nil && *rtt != 0 {
		err = errors.New("-rtt needs a namespace lab (not -vm)")
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: lab up: %v\n", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "Lab %s is up: %d servers. `drover plan %s` and `drover apply %s` now reach them.\n",
		st.ID, len(st.Hosts), dir, dir)
	return 0
}

// labImage builds the VM lab's image unless the cached one is current
// (-rebuild: always) and prints where it is.
func labImage(e *env, args []string) int {
	f := newFlags(e, "lab image")
	rebuild := f.Bool("rebuild", false, "rebuild even when the cached image is current")
	if pos, err := f.parse(args); e.helped || err != nil || len(pos) > 0 {
		if e.helped {
			return 0
		}
		fmt.Fprintln(e.stderr, "Usage: drover lab image [-rebuild]")
		return 1
	}
	ctx, cancel := signalContext()
	defer cancel()
	img, err := lab.EnsureImage(ctx, lab.ImageCacheDir(), *rebuild, e.stderr)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: lab image: %v\n", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "VM image %s in %s (kernel %s).\n", img.Hash, img.Dir, img.Kernel)
	return 0
}

func labSimple(e *env, name string, args []string, fn func(dir string) error) int {
	f := newFlags(e, "lab "+name)
	pos, err := f.parse(args)
	if err != nil {
		return 1
	}
	dir, err := dirArg(pos)
	if err == nil {
		err = fn(dir)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: lab %s: %v\n", name, err)
		return 1
	}
	return 0
}

func labStatus(e *env, dir string) error {
	st, err := lab.Status(labDir(dir))
	if err != nil {
		return err
	}
	if st == nil {
		abs, _ := filepath.Abs(dir)
		fmt.Fprintf(e.stdout, "No lab is up for %s.\n", abs)
		return nil
	}
	if st.VM != nil {
		fmt.Fprintf(e.stdout, "Lab %s (namespace %s; VMs: %s, image %s):\n", st.ID, st.Netns, st.VM.Accel, st.VM.Image.Hash)
	} else {
		fmt.Fprintf(e.stdout, "Lab %s (namespace %s):\n", st.ID, st.Netns)
	}
	for _, h := range st.Hosts {
		state := "down"
		if h.Up {
			state = "up"
		}
		fmt.Fprintf(e.stdout, "  %-12s %-15s %-5s pid %d\n", h.Name, h.Address, state, h.PID)
	}
	return nil
}

// labExec runs a command inside a lab host: drover lab exec [DIR] SERVER -- CMD...
func labExec(e *env, args []string) int {
	if len(args) > 0 && isHelp(args[0]) && args[0] != "help" {
		printHelp(e.stdout, "lab exec", nil)
		return 0
	}
	dash := -1
	for i, a := range args {
		if a == "--" {
			dash = i
			break
		}
	}
	if dash < 0 || dash == len(args)-1 || dash == 0 || dash > 2 {
		fmt.Fprintln(e.stderr, "Usage: drover lab exec [DIR] SERVER -- COMMAND...")
		return 1
	}
	dir, server := ".", args[dash-1]
	if dash == 2 {
		dir = args[0]
	}
	st, err := lab.Status(labDir(dir))
	if err != nil || st == nil {
		fmt.Fprintf(e.stderr, "Error: no lab is up for %s (drover lab up %s)\n", dir, dir)
		return 1
	}
	err = st.Exec(context.Background(), server, args[dash+1:], e.stdin, e.stdout, e.stderr)
	if err != nil {
		if code, ok := exitCode(err); ok {
			return code
		}
		return fail(e, err)
	}
	return 0
}

func exitCode(err error) (int, bool) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), true
	}
	return 0, false
}
