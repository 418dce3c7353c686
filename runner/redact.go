package runner

import (
	"encoding/json"

	"github.com/drover/drover/core"
)

// Plans and results are written as JSON (plan -json, apply -json, the
// plan file of plan -out), and a resource's sensitive attributes (a given
// database password) must not reach any of them. Their JSON forms
// therefore carry host.Sensitive in place of those values, and so do the
// sensitive attributes of their checks (a login check's password). Nothing reads
// them back: apply of a saved plan makes a fresh plan and only compares
// fingerprints and the configuration's hash with the saved one.

// MarshalJSON writes the host's plan with sensitive values replaced.
func (h *HostPlan) MarshalJSON() ([]byte, error) {
	type plain HostPlan // without this method
	out := plain(*h)
	out.Changes = redactChanges(h.Changes)
	if h.Checks != nil {
		out.Checks = make([]core.Check, len(h.Checks))
		for i, c := range h.Checks {
			out.Checks[i] = c.Redacted()
		}
	}
	return json.Marshal(out)
}

// MarshalJSON writes the host's recap with sensitive values replaced.
func (r *HostResult) MarshalJSON() ([]byte, error) {
	type plain HostResult
	out := plain(*r)
	out.Applied = redactChanges(r.Applied)
	if r.Checks != nil {
		out.Checks = make([]core.CheckResult, len(r.Checks))
		for i, c := range r.Checks {
			c.Check = c.Check.Redacted()
			out.Checks[i] = c
		}
	}
	return json.Marshal(out)
}

// redactChanges returns copies of changes whose sensitive attributes and
// field changes read host.Sensitive.
func redactChanges(changes []core.Change) []core.Change {
	if changes == nil {
		return nil
	}
	out := make([]core.Change, len(changes))
	for i, c := range changes {
		out[i] = redactChange(c)
	}
	return out
}

func redactChange(c core.Change) core.Change {
	r := c.Resource
	if len(r.Sensitive) == 0 {
		return c
	}
	attrs := make(map[string]string, len(r.Attrs))
	for k, v := range r.Attrs {
		if r.IsSensitive(k) && v != "" {
			v = core.Sensitive
		}
		attrs[k] = v
	}
	c.Resource.Attrs = attrs
	fields := make([]core.FieldChange, len(c.Fields))
	for i, f := range c.Fields {
		if r.IsSensitive(f.Name) {
			f.Old, f.New = core.MaskedValue(f.Old), core.MaskedValue(f.New)
		}
		fields[i] = f
	}
	if c.Fields != nil {
		c.Fields = fields
	}
	return c
}
