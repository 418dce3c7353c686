package lab

// Load reads a lab's recorded state without probing its hosts: all that
// plan and apply need to reach them (key, known_hosts, the namespace to
// dial in). It returns (nil, nil) when there is no lab.
func Load(stateDir string) (*State, error) {
	p, err := newLabPaths(stateDir)
	if err != nil {
		return nil, err
	}
	return readState(p.state())
}
