package core

import (
	"slices"
	"sort"
	"strings"
)

// Unknown is the attribute value of something not known until apply (a fact
// of a host the controller could not reach, or a value made on another host).
// Plans print it as "(known after apply)".
const Unknown = "\x00(known after apply)"

// Sensitive is printed instead of the value of an attribute named in
// Resource.Sensitive.
const Sensitive = "(sensitive)"

// Resource is one desired thing on one host. Attrs are the kind's settings,
// all strings so that they diff, print and serialise uniformly; each kind
// documents its keys in its own file.
type Resource struct {
	Kind  string            `json:"kind"`
	Name  string            `json:"name"`
	Attrs map[string]string `json:"attrs"`
	// Owners are the declarations that want this resource ("server.s1",
	// "network.vx1"). The same resource wanted twice with equal attributes
	// is one resource with two owners.
	Owners []string `json:"owners"`
	// After lists IDs of resources that must be applied before this one. An
	// ID of another host is written "HOST:KIND/NAME".
	After []string `json:"after,omitempty"`
	// Sensitive names attributes whose values are never printed.
	Sensitive []string `json:"sensitive,omitempty"`
	// Group names changes that succeed or are undone together ("job.web":
	// a rolling upgrade). When one change of a group fails, apply puts the
	// group's updates that were already applied back to their previous
	// attributes, newest first.
	Group string `json:"group,omitempty"`
	// Refs maps an attribute whose value is Unknown at plan time to the
	// output of another resource that will provide it,
	// "HOST:KIND/NAME#OUTPUT" (a WireGuard peer's public_key is
	// "s1:wireguard/wg0#public_key"). The runner fills the attribute in
	// once that resource has applied (see Facts.Outputs); list the
	// resource in After too, so that it applies first.
	Refs map[string]string `json:"refs,omitempty"`
}

// ID is the resource's stable identity on its host: "link/vxl0",
// "file//etc/drover/dnsmasq-vx1.conf", "fdb/vx42/198.51.100.2".
func (r Resource) ID() string { return r.Kind + "/" + r.Name }

// IsSensitive reports whether attribute key must not be printed.
func (r Resource) IsSensitive(key string) bool {
	for _, s := range r.Sensitive {
		if s == key {
			return true
		}
	}
	return false
}

// Action is what a plan does to one resource.
type Action string

// The actions of a plan, printed as Terraform prints them.
const (
	NoOp    Action = "no-op"
	Create  Action = "create"
	Update  Action = "update"
	Delete  Action = "delete"
	Replace Action = "replace"
)

// Symbol is the plan's one-column marker for the action.
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Delete:
		return "-"
	case Replace:
		return "-/+"
	}
	return " "
}

// FieldChange is one attribute that differs between actual and desired.
type FieldChange struct {
	Name string `json:"name"`
	Old  string `json:"old"`
	New  string `json:"new"`
	// ForcesReplace is set when this field cannot change in place.
	ForcesReplace bool `json:"forces_replace,omitempty"`
}

// Change is the plan for one resource on one host.
type Change struct {
	Action   Action        `json:"action"`
	Resource Resource      `json:"resource"`
	Fields   []FieldChange `json:"fields,omitempty"`
	// Diff is a unified diff of a file's content, when it changes.
	Diff string `json:"diff,omitempty"`
}

// Facts are what the controller needs to know about a host before it can
// expand declarations into resources. Gathered in one round trip.
type Facts struct {
	Hostname     string      `json:"hostname"`
	Arch         string      `json:"arch"`   // GOARCH of the host: amd64, arm64
	Kernel       string      `json:"kernel"` // uname -r
	Distribution string      `json:"distribution"`
	Init         string      `json:"init"` // "systemd" or "none"
	DefaultIface string      `json:"default_iface,omitempty"`
	Interfaces   []Interface `json:"interfaces"`
	// LinkKinds are the link types the kernel can create ("bridge",
	// "vxlan", "veth", "wireguard", "gre", ...).
	LinkKinds []string `json:"link_kinds"`
	// Commands maps a program drover may use (ping, nft, dnsmasq, ...) to
	// its path, for those present.
	Commands map[string]string `json:"commands,omitempty"`
	// Outputs are the values resources drover made on this host expose
	// to other hosts, by resource ID: {"wireguard/wg0": {"public_key":
	// "...", "rotation": "0"}}. Kinds that implement Outputter provide
	// them; the helper reads them from its manifest.
	Outputs map[string]map[string]string `json:"outputs,omitempty"`
}

// Interface is one network interface of a host.
type Interface struct {
	Name  string   `json:"name"`
	MTU   int      `json:"mtu"`
	Up    bool     `json:"up"`
	Addrs []string `json:"addrs"` // CIDR notation, "198.51.100.1/24"
}

// InterfaceWithIP returns the interface holding ip (no prefix), if any.
func (f Facts) InterfaceWithIP(ip string) (Interface, bool) {
	for _, ifc := range f.Interfaces {
		for _, a := range ifc.Addrs {
			if strings.SplitN(a, "/", 2)[0] == ip {
				return ifc, true
			}
		}
	}
	return Interface{}, false
}

// Interface returns the named interface, if any.
func (f Facts) Interface(name string) (Interface, bool) {
	for _, ifc := range f.Interfaces {
		if ifc.Name == name {
			return ifc, true
		}
	}
	return Interface{}, false
}

// HasLinkKind reports whether the kernel can create links of kind k.
func (f Facts) HasLinkKind(k string) bool {
	for _, have := range f.LinkKinds {
		if have == k {
			return true
		}
	}
	return false
}

// Check is one post-condition the helper verifies after apply.
//
// Kinds: "ping" (attrs dst, size, count, timeout_ms, df="true"), "service"
// (attrs name: running), "link" (attrs name: exists and is up), and the
// others of runner/host/check*.go ("sqllogin": a database login, its
// password a Sensitive attribute).
type Check struct {
	Kind  string            `json:"kind"`
	Attrs map[string]string `json:"attrs"`
	Owner string            `json:"owner"`
	// Title says what is being proven, for people: "s1 reaches s2 over
	// vx1 with 1450-byte frames".
	Title string `json:"title"`
	// Peer names the other server the check depends on, if any: when that
	// server failed, the check is skipped rather than blamed on this one.
	Peer string `json:"peer,omitempty"`
	// Exclusive names a property exactly one server may have at a time
	// ("vip.front" holds 198.51.100.100): the checks of every server that
	// share the key pass together when exactly one of them is OK, and no
	// single server's result fails it alone.
	Exclusive string `json:"exclusive,omitempty"`
	// Members are the servers that may hold an Exclusive property. Verify
	// asks every one of them, also those this run did not change (outside
	// -limit) or that failed earlier, so that a second holder cannot go
	// unseen.
	Members []string `json:"members,omitempty"`
	// Sensitive names attributes whose values are never printed (a
	// database password a login check uses): they travel to the host
	// that runs the check and nowhere else (Redacted).
	Sensitive []string `json:"sensitive,omitempty"`
}

// IsSensitive reports whether attribute key of c must not be printed.
func (c Check) IsSensitive(key string) bool { return slices.Contains(c.Sensitive, key) }

// Redacted returns a copy of c whose sensitive attributes read Sensitive;
// c itself is left intact.
func (c Check) Redacted() Check {
	if len(c.Sensitive) == 0 {
		return c
	}
	attrs := make(map[string]string, len(c.Attrs))
	for k, v := range c.Attrs {
		if c.IsSensitive(k) && v != "" {
			v = Sensitive
		}
		attrs[k] = v
	}
	c.Attrs = attrs
	return c
}

// CheckResult is the outcome of one Check.
type CheckResult struct {
	Check  Check  `json:"check"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// SortedKeys returns the keys of m in order, for stable output.
func SortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MaskedValue is what people see of a sensitive value: Sensitive, or the
// size the helper already put in its place for a file's content
// ("(sensitive, 120 bytes)", as Terraform shows a sensitive file's diff).
func MaskedValue(v string) string {
	if strings.HasPrefix(v, "(sensitive, ") && strings.HasSuffix(v, " bytes)") {
		return v
	}
	return Sensitive
}
