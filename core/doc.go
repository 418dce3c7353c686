// Package core is the vocabulary every stage of drover speaks: a Resource
// (one desired thing on one host), the Change a plan makes to it, the Facts
// gathered from a host, the Checks that prove a result works, references to
// other hosts' outputs, and the Desired state of a whole cluster. lang,
// modules, runner, the helper and cmd all import it; it imports nothing of
// drover and nothing that touches the kernel, so the pure stages (lang,
// modules) link no netlink, netns, wgctrl or x/sys/unix.
package core
