package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/agext/levenshtein"
)

// helpText is what `drover CMD -h` prints besides the flags.
type helpText struct {
	usage    string   // after "Usage: "
	desc     string   // a paragraph, wrapped by hand
	examples []string // command lines
}

// helps are the help texts of every command and subcommand, keyed by the
// name newFlags is given ("plan", "lab up").
var helps = map[string]helpText{
	"validate": {"drover validate [-json] [-var NAME=VALUE] [-var-file FILE] [DIR]",
		"Check the configuration in DIR (default: the current folder) without connecting\n" +
			"to any server: syntax, references, types and every kind's rules. Each error names\n" +
			"FILE:LINE:COL. -json prints one document like `terraform validate -json`.",
		[]string{"drover validate", "drover validate -json cluster/"}},
	"fmt": {"drover fmt [-check] [-diff] [DIR]",
		"Rewrite the *.hcl files of DIR in canonical style and list the files it changed.\n" +
			"-check changes nothing and exits 3 when a file is not formatted (for CI).",
		[]string{"drover fmt", "drover fmt -check -diff cluster/"}},
	"plan": {"drover plan [flags] [DIR]",
		"Show, host by host, what apply would change: + create, ~ update, - delete,\n" +
			"-/+ replace, each line naming the declaration that wants it. -offline plans\n" +
			"from the configuration alone; -out saves the plan for `drover apply FILE`.",
		[]string{"drover plan", "drover plan -limit 'web*,!web3' -detailed-exitcode",
			"drover plan -out tfplan && drover apply tfplan", "drover plan -offline -json cluster/",
			"drover plan -offline -format markdown > plan.md"}},
	"apply": {"drover apply [flags] [DIR | PLANFILE]",
		"Plan, ask for approval (unless -auto-approve), make the servers match the\n" +
			"configuration host by host in parallel, verify that it works, and print a recap\n" +
			"per host. Without a terminal it needs -auto-approve or a saved plan. A saved plan\n" +
			"is refused when the configuration or a host changed since it was made.",
		[]string{"drover apply", "drover apply -auto-approve -limit s1,s2", "drover apply tfplan",
			"drover apply -auto-approve -json | jq -c 'select(.type==\"recap\")'",
			"drover apply -confirm 2m", "drover apply -auto-approve -rollback-on-failure"}},
	"confirm": {"drover confirm [flags] [DIR]",
		"Keep the changes of an `apply -confirm`: disarm, on every host, the revert it armed.\n" +
			"A host whose window already ran out has put the apply back by itself and says so\n" +
			"(exit 1). Without a confirm, every changed host reverts at the deadline, even\n" +
			"when the controller can no longer reach it.",
		[]string{"drover confirm", "drover confirm -limit s2 cluster/"}},
	"destroy": {"drover destroy [flags] [DIR]",
		"Remove everything drover made on the servers (read from each host's manifest),\n" +
			"restoring sysctls to their previous values. Asks first unless -auto-approve.",
		[]string{"drover destroy", "drover destroy -auto-approve -limit s3"}},
	"graph": {"drover graph [-type resources|topology] [-var NAME=VALUE] [DIR]",
		"Print the resource dependency graph as DOT, a cluster per host, or with\n" +
			"-type=topology the cluster as one picture: servers, networks, tunnels, VIPs,\n" +
			"balancers, databases and jobs.",
		[]string{"drover graph | dot -Tsvg > graph.svg", "drover graph -type=topology | dot -Tsvg > topology.svg"}},
	"show": {"drover show KIND [flags] [DIR] | drover show -plan FILE [-format text|json|markdown]",
		"Show declared and live state of one kind (the seed's list commands). KIND is one of\n" +
			"the kinds below; `drover show` lists them.",
		[]string{"drover show networks", "drover show bgp s1", "drover show vips -json cluster/",
			"drover show -plan tfplan -format markdown"}},
	"lab": {"drover lab up|down|status|exec|image ...",
		"A disposable local replica of the declared servers (network namespaces with their\n" +
			"own sshd, or qemu VMs with -vm), which plan, apply and destroy of DIR then reach\n" +
			"with no extra flags. Subcommands:\n" +
			"  up [-vm] [DIR]              build the lab\n" +
			"  down [DIR]                  remove it all\n" +
			"  status [DIR]                its hosts and whether they are up\n" +
			"  exec [DIR] SERVER -- CMD    run a command inside a lab host\n" +
			"  image [-rebuild]            build (or find cached) the VM lab's image\n" +
			"`drover lab SUBCOMMAND -h` describes each.",
		[]string{"drover lab up && drover apply -auto-approve", "drover lab exec s1 -- ip -br addr",
			"drover lab down"}},
	"lab up": {"drover lab up [-vm | -rtt DURATION] [DIR]",
		"Build a lab of the servers declared in DIR: each server a network namespace with\n" +
			"its own sshd at the declared address (or a qemu VM with -vm). Variables the\n" +
			"servers' addresses do not use need no value. -rtt puts a delaying TCP relay\n" +
			"between drover (and ssh or Ansible run in the lab's namespace) and every\n" +
			"host's sshd, adding that round-trip time (DIR/.drover/lab/relay.log counts\n" +
			"each connection's round trips).",
		[]string{"drover lab up", "drover lab up -rtt 100ms", "drover lab up -vm playbooks/tunnel"}},
	"lab down": {"drover lab down [DIR]", "Remove the lab of DIR: hosts, namespaces, VMs and disks.",
		[]string{"drover lab down"}},
	"lab status": {"drover lab status [DIR]", "Print the lab of DIR, its hosts and whether each is up.",
		[]string{"drover lab status"}},
	"lab exec": {"drover lab exec [DIR] SERVER -- COMMAND...",
		"Run COMMAND inside the lab host SERVER; its exit code is drover's.",
		[]string{"drover lab exec s1 -- ip -br addr", "drover lab exec cluster s2 -- cat /etc/hosts"}},
	"lab image": {"drover lab image [-rebuild]",
		"Build the VM lab's image from Debian's packages, or find the cached current one.",
		[]string{"drover lab image", "drover lab image -rebuild"}},
	"version": {"drover version", "Print drover's version. -version and --version do the same.",
		[]string{"drover version"}},
}

// printHelp writes the help of a command: usage, description, flags and
// examples. fs may be nil for a command without flags.
func printHelp(w io.Writer, name string, f *flags) {
	h, ok := helps[name]
	if !ok {
		h = helpText{usage: "drover " + name + " [flags] [DIR]"}
	}
	fmt.Fprintf(w, "Usage: %s\n", h.usage)
	if h.desc != "" {
		fmt.Fprintf(w, "\n%s\n", indent(h.desc, "  "))
	}
	if f != nil && hasFlags(f) {
		fmt.Fprintln(w, "\nFlags (-flag or --flag, before or after DIR):")
		f.SetOutput(w)
		f.PrintDefaults()
		f.SetOutput(io.Discard)
	}
	if name == "show" {
		fmt.Fprintln(w, "\nKinds:")
		printShowKinds(w)
	}
	if len(h.examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, ex := range h.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
	}
}

func hasFlags(f *flags) bool {
	n := 0
	f.VisitAll(func(*flagT) { n++ })
	return n > 0
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// suggestCommand returns the command closest to a mistyped one, or "".
func suggestCommand(given string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		d := levenshtein.Distance(given, n, nil)
		if strings.HasPrefix(n, given) && len(given) >= 2 {
			d = 1
		}
		if d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// helpCommand is `drover help [COMMAND [SUBCOMMAND]]`: the command's own
// -h.
func helpCommand(e *env, args []string) int {
	cmds := commands()
	if len(args) == 0 {
		usage(e.stdout, cmds)
		return 0
	}
	if _, ok := cmds[args[0]]; !ok {
		unknownCommand(e, args[0], cmds)
		return 1
	}
	return run(append(slices.Clone(args), "-h"), e)
}

// unknownCommand says that a command does not exist and suggests one.
func unknownCommand(e *env, name string, cmds map[string]command) {
	fmt.Fprintf(e.stderr, "drover: unknown command %q\n", name)
	if s := suggestCommand(name, slices.Sorted(maps.Keys(cmds))); s != "" {
		fmt.Fprintf(e.stderr, "\nDid you mean %q?\n", s)
	}
	fmt.Fprintln(e.stderr)
	usage(e.stderr, cmds)
}

// isHelp tells the ways of asking for help.
func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "-help" || a == "help" }
