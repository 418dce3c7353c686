package core

// Desired is what the whole cluster wants, per server name: the output of
// modules, the input of runner.
type Desired struct {
	Hosts map[string]*HostDesired
}

// HostDesired is one server's resources (in apply order) and checks.
type HostDesired struct {
	Resources []Resource
	Checks    []Check
}
