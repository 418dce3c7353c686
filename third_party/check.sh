#!/bin/sh
# check.sh proves that third_party/xcrypto is upstream golang.org/x/crypto,
# at the version go.mod requires, pruned to the packages drover takes from
# there (ssh, ssh/agent, ssh/knownhosts, ssh/internal/bcrypt_pbkdf and
# internal/poly1305, each whole, without its tests), with x-crypto.patch
# applied, their imports of one another renamed into drover's module (and
# sorted again by gofmt), and nothing else; and that upstream's own tests
# of the patched packages pass.
# It downloads the upstream module through the Go module proxy.
# make check-third-party runs it (make test does).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ours=$here/xcrypto
module=github.com/drover/drover/third_party/xcrypto
version=$(cd "$here/.." && go list -m -f '{{.Version}}' golang.org/x/crypto)
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
upstream=$(cd "$tmp" && go mod download -json "golang.org/x/crypto@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$upstream" ] || { echo "check.sh: could not download golang.org/x/crypto@$version" >&2; exit 1; }

# want: what the copy must be.
mkdir "$tmp/want"
cp "$upstream/LICENSE" "$upstream/PATENTS" "$tmp/want/"
for dir in $(cd "$ours" && find . -mindepth 1 -type d | sort); do
	mkdir -p "$tmp/want/$dir"
	find "$upstream/$dir" -maxdepth 1 -type f ! -name '*_test.go' -exec cp {} "$tmp/want/$dir/" \;
done
chmod -R u+w "$tmp/want"
(cd "$tmp/want" && git apply -p1 "$here/x-crypto.patch")
find "$tmp/want" -name '*.go' -exec sed -i -E \
	"s#\"golang.org/x/crypto/(ssh(/[a-z_/]+)?|internal/poly1305)\"#\"$module/\\1\"#g" {} +
gofmt -w "$tmp/want" # the renamed imports sort differently
if ! diff -r "$tmp/want" "$ours"; then
	echo "check.sh: $ours is not golang.org/x/crypto@$version's packages with x-crypto.patch: see the differences above" >&2
	exit 1
fi

# Upstream's tests, of the whole module with the patch.
cp -r "$upstream" "$tmp/full"
chmod -R u+w "$tmp/full"
(cd "$tmp/full" && git apply -p1 "$here/x-crypto.patch" && go test -count=1 ./ssh/... ./internal/poly1305/)
echo "third_party/xcrypto: golang.org/x/crypto@$version's packages with x-crypto.patch; upstream's tests of them pass"
