package runner

import (
	"context"
	"fmt"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
)

// Check runs checks on one host of the session now and returns their
// results: the live views of `drover show` use it.
func (s *Session) Check(ctx context.Context, hostName string, checks []core.Check) ([]core.CheckResult, error) {
	h := s.host(hostName)
	switch {
	case h == nil:
		return nil, fmt.Errorf("%s is not part of this run", hostName)
	case h.Err != nil:
		return nil, fmt.Errorf("%s: %w", hostName, h.Err)
	}
	resp, err := h.call(ctx, helper.Request{Op: helper.OpCheck, Checks: checks}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", hostName, err)
	}
	return resp.Results, nil
}
