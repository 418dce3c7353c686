package host

import (
	"fmt"
	"os/user"
	"strconv"
	"strings"
)

// LookupOwner resolves owner ("USER" or "USER:GROUP") to numeric ids; the
// group defaults to the user's primary group.
func LookupOwner(owner string) (uid, gid int, err error) {
	userName, groupName, hasGroup := strings.Cut(owner, ":")
	u, err := user.Lookup(userName)
	if err != nil {
		return 0, 0, fmt.Errorf("owner %q: %w", owner, err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	if hasGroup {
		g, err := user.LookupGroup(groupName)
		if err != nil {
			return 0, 0, fmt.Errorf("owner %q: %w", owner, err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	return uid, gid, nil
}
