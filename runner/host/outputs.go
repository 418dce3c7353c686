package host

import "github.com/drover/drover/core"

// Outputter is implemented by kinds whose resources expose values to
// resources on other hosts (a WireGuard interface's public key). Outputs
// are read from what Apply saved and from the host, never from secrets.
type Outputter interface {
	Outputs(r core.Resource, saved map[string]string) map[string]string
}

// ManifestOutputs returns the outputs of every resource in m whose kind is
// an Outputter, by resource ID, for Facts.Outputs.
func ManifestOutputs(kinds Kinds, m *Manifest) map[string]map[string]string {
	var out map[string]map[string]string
	for _, e := range m.Entries {
		k, ok := kinds[e.Resource.Kind].(Outputter)
		if !ok {
			continue
		}
		if o := k.Outputs(e.Resource, e.Saved); len(o) > 0 {
			if out == nil {
				out = map[string]map[string]string{}
			}
			out[e.Resource.ID()] = o
		}
	}
	return out
}
