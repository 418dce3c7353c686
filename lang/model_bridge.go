package lang

// PlainBridge is plain layer-2 bridging over a physical interface of each
// member (the seed's "other options"): the interface becomes a port of the
// bridge and the server's addresses move to the bridge.
type PlainBridge struct {
	Bridge string // default "br0"
	// Members: Interface is the physical port (default the interface
	// holding the server's address).
	Members []Member
}
