package network

import (
	"fmt"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
)

// nftKind manages one whole nftables table, replaced atomically.
//
// Name: the table name ("drover_vx1"). Attributes:
//   - family: the table family (default "ip"; replace)
//   - table: the table name (default: the resource name; replace)
//   - content: the full "table ip NAME { ... }" text
//
// Apply checks the script with `nft -c -f` and then loads it with `nft -f`
// in one transaction: "table F NAME {}", "delete table F NAME", content, so
// the table is replaced whole or not at all.
//
// Read: nftables prints rules in its own canonical form, so the content is
// not compared with the listing text. Apply saves the content it loaded and
// a hash of `nft list table` right after; Read reports that saved content
// while the listing still hashes the same, and the live listing otherwise
// (a table changed outside drover, or never applied by it, shows a diff and
// is replaced).
type nftKind struct{}

func (nftKind) ReplaceOn() []string { return []string{"family", "table"} }

func (nftKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "family", "ip")
	host.SetDefault(r.Attrs, "table", r.Name)
	return r
}

func (nftKind) Read(r core.Resource, saved map[string]string) (map[string]string, bool, error) {
	listing, exists, err := listTable(r.Attrs["family"], r.Attrs["table"])
	if err != nil || !exists {
		return nil, false, err
	}
	actual := map[string]string{"family": r.Attrs["family"], "table": r.Attrs["table"], "content": listing}
	if content, ok := saved["content"]; ok && saved["listing_sha256"] == host.SHA256Hex(listing) {
		actual["content"] = content
	}
	return actual, true, nil
}

func (nftKind) Apply(r core.Resource, _ bool, _ map[string]string) (map[string]string, error) {
	family, table, content := r.Attrs["family"], r.Attrs["table"], r.Attrs["content"]
	if !strings.Contains(strings.Join(strings.Fields(content), " "), "table "+family+" "+table) {
		return nil, fmt.Errorf("content does not define table %s %s", family, table)
	}
	script := fmt.Sprintf("table %s %s {}\ndelete table %s %s\n%s\n", family, table, family, table, content)
	if _, err := host.RunCommand(script, "nft", "-c", "-f", "/dev/stdin"); err != nil {
		return nil, fmt.Errorf("nftables rejected table %s %s: %w", family, table, err)
	}
	if _, err := host.RunCommand(script, "nft", "-f", "/dev/stdin"); err != nil {
		return nil, err
	}
	listing, _, err := listTable(family, table)
	if err != nil {
		return nil, err
	}
	return map[string]string{"content": content, "listing_sha256": host.SHA256Hex(listing)}, nil
}

func (nftKind) Delete(r core.Resource, _ map[string]string) error {
	family, table := r.Attrs["family"], r.Attrs["table"]
	if family == "" {
		family = "ip"
	}
	if table == "" {
		table = r.Name
	}
	_, err := host.RunCommand("", "nft", "delete", "table", family, table)
	if err != nil && !isNoSuchTable(err) {
		return err
	}
	return nil
}

// listTable returns `nft list table` output, or exists=false.
func listTable(family, table string) (string, bool, error) {
	out, err := host.RunCommand("", "nft", "list", "table", family, table)
	if err != nil {
		if isNoSuchTable(err) {
			return "", false, nil
		}
		return "", false, err
	}
	return out, true, nil
}

func isNoSuchTable(err error) bool {
	return strings.Contains(err.Error(), "No such file or directory")
}
