package runner

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
)

// refResolver fills in, during an apply, the attributes that wait for
// another host's output (host.Resource.Refs: a WireGuard peer's public key
// is made by the peer's host). Values come from the producing host's
// facts (host.Facts.Outputs), gathered again once something was applied
// there since they were last read. The graph already orders the producer
// before the resource that refers to it.
type refResolver struct {
	s     *Session
	mu    sync.Mutex
	stale map[string]bool // hosts changed since their facts were read
}

func newRefResolver(s *Session) *refResolver {
	return &refResolver{s: s, stale: map[string]bool{}}
}

// applied records that a change was applied on hostName.
func (rr *refResolver) applied(hostName string) {
	rr.mu.Lock()
	rr.stale[hostName] = true
	rr.mu.Unlock()
}

// resolve returns c with every unknown attribute that has a reference
// filled in, or an error naming what is missing.
func (rr *refResolver) resolve(ctx context.Context, c core.Change) (core.Change, error) {
	r := c.Resource
	if len(r.Refs) == 0 || c.Action == core.Delete {
		return c, nil
	}
	attrs := make(map[string]string, len(r.Attrs))
	for k, v := range r.Attrs {
		attrs[k] = v
	}
	keys := make([]string, 0, len(r.Refs))
	for k := range r.Refs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, attr := range keys {
		if attrs[attr] != core.Unknown {
			continue
		}
		v, err := rr.value(ctx, r.Refs[attr])
		if err != nil {
			return c, fmt.Errorf("%s: %s: %w", r.ID(), attr, err)
		}
		attrs[attr] = v
	}
	r.Attrs, r.Refs = attrs, nil
	c.Resource = r
	for i, f := range c.Fields {
		if f.New == core.Unknown {
			c.Fields[i].New = attrs[f.Name]
		}
	}
	return c, nil
}

func (rr *refResolver) value(ctx context.Context, s string) (string, error) {
	ref, err := core.ParseRef(s)
	if err != nil {
		return "", err
	}
	h := rr.s.host(ref.Host)
	if h == nil {
		return "", fmt.Errorf("it is made by %s, which is not part of this run (--limit)", ref.Host)
	}
	if h.Err != nil {
		return "", fmt.Errorf("it is made by %s, which failed: %v", ref.Host, h.Err)
	}
	rr.mu.Lock()
	stale := rr.stale[ref.Host]
	rr.mu.Unlock()
	if v, ok := ref.Lookup(h.Facts); ok && !stale {
		return v, nil
	}
	resp, err := h.call(ctx, helper.Request{Op: helper.OpFacts}, nil)
	if err != nil {
		return "", fmt.Errorf("reading %s's facts: %w", ref.Host, err)
	}
	rr.mu.Lock()
	h.Facts = resp.Facts
	rr.stale[ref.Host] = false
	rr.mu.Unlock()
	v, ok := ref.Lookup(h.Facts)
	if !ok {
		return "", fmt.Errorf("%s has no %s output %q yet", ref.Host, ref.ID, ref.Output)
	}
	return v, nil
}
