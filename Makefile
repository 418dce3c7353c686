# drover: build, test, demo and benchmarks. Every target that needs system
# packages installs them first (Debian; needs root and the package mirror).

GO      ?= go
BIN     := bin
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
# The helper build is reproducible (same Go, same source: same bytes), so
# that the compressed copies embedded in drover (cmd/drover/helper) can be
# rebuilt and compared byte for byte.
HELPER_FLAGS := -trimpath -buildvcs=false -ldflags "-s -w -buildid="
HELPER_ARCHS := amd64 arm64
EMBED_DIR := cmd/drover/helper
PACKAGES := openssh-server openssh-client iproute2 iputils-ping util-linux procps \
            dnsmasq nftables isc-dhcp-client tcpdump busybox-static \
            bird2 wireguard-go wireguard-tools lxc lxc-templates rsync nginx-light curl \
            haproxy keepalived mariadb-server postgresql openssl jq python3 sudo graphviz \
            podman runc conmon containernetworking-plugins golang-github-containers-common

.PHONY: all build helpers check-helpers check-third-party release tidy-check deps deps-vm test test-vm race fuzz unit demo demo-down bench deps-bench fmt vet clean

all: build

# build builds the helpers, refreshes their compressed copies embedded in
# drover (commit them when they change: `make check-helpers` compares), and
# drover.
build: helpers
	$(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN)/drover ./cmd/drover
	@ls -l $(BIN) | awk 'NR>1 {printf "  %-28s %6.1f MiB\n", $$9, $$5/1048576}'

helpers:
	@mkdir -p $(BIN) $(EMBED_DIR)
	@for a in $(HELPER_ARCHS); do \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$a $(GO) build $(HELPER_FLAGS) -o $(BIN)/drover-helper-linux-$$a ./cmd/drover-helper || exit 1; \
		gzip -9n < $(BIN)/drover-helper-linux-$$a > $(BIN)/drover-helper-linux-$$a.gz.new || exit 1; \
		cmp -s $(BIN)/drover-helper-linux-$$a.gz.new $(EMBED_DIR)/drover-helper-linux-$$a.gz \
			|| cp $(BIN)/drover-helper-linux-$$a.gz.new $(EMBED_DIR)/drover-helper-linux-$$a.gz; \
		rm -f $(BIN)/drover-helper-linux-$$a.gz.new; \
	done

# release builds, in dist/, a tarball and a .deb for linux/amd64 and
# linux/arm64 (drover, which embeds both helpers, with README and LICENSE)
# and SHA256SUMS. The .deb is made with dpkg-deb.
DIST := dist
DEB_VERSION := $(shell echo '$(VERSION)' | sed -e 's/^v//' -e '/^[0-9]/!s/^/0.0.0+/' -e 's/[^A-Za-z0-9.+~]/./g')
release: helpers
	rm -rf $(DIST) && mkdir -p $(DIST)
	@for a in $(HELPER_ARCHS); do \
		name=drover-$(VERSION)-linux-$$a; d=$(DIST)/$$name; mkdir -p $$d || exit 1; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$a $(GO) build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=$(VERSION)" -o $$d/drover ./cmd/drover || exit 1; \
		cp README.md LICENSE $$d/; \
		tar -C $(DIST) --owner=0 --group=0 --numeric-owner --sort=name -czf $(DIST)/$$name.tar.gz $$name || exit 1; \
		p=$(DIST)/deb-$$a; mkdir -p $$p/DEBIAN $$p/usr/bin $$p/usr/share/doc/drover; \
		install -m 0755 $$d/drover $$p/usr/bin/drover; \
		install -m 0644 README.md $$p/usr/share/doc/drover/README.md; \
		install -m 0644 LICENSE $$p/usr/share/doc/drover/copyright; \
		printf 'Package: drover\nVersion: %s\nArchitecture: %s\nMaintainer: drover developers <drover@localhost>\nSection: admin\nPriority: optional\nRecommends: openssh-client\nDescription: declarative cluster runner\n drover plans and applies servers, overlay networks and services\n declared in HCL, over SSH, and verifies the result.\n' \
			'$(DEB_VERSION)' $$a > $$p/DEBIAN/control; \
		dpkg-deb --root-owner-group -Zgzip --build $$p $(DIST)/drover_$(DEB_VERSION)_$$a.deb >/dev/null || exit 1; \
		rm -rf $$p $$d; \
	done
	cd $(DIST) && sha256sum *.tar.gz *.deb > SHA256SUMS && cat SHA256SUMS

# check-helpers fails when the committed embedded helpers are not what
# this source builds (after `make build` refreshed them): commit them.
check-helpers: helpers
	@git diff --exit-code --stat -- $(EMBED_DIR) || { echo "cmd/drover/helper/*.gz differ from a fresh build: commit them (make build refreshes them)" >&2; exit 1; }
	@test -z "$$(git status --porcelain -- $(EMBED_DIR))" || { echo "uncommitted files in $(EMBED_DIR)" >&2; exit 1; }

# deps installs what the lab and the end-to-end tests run: sshd for every
# lab host, dnsmasq, nftables, a DHCP client, ping, tcpdump.
deps:
	@missing=""; for p in $(PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# deps-vm installs what the VM lab tier (`drover lab up -vm`) needs: qemu,
# and debootstrap and friends to build its image.
VM_PACKAGES := qemu-system-x86 qemu-utils debootstrap busybox-static kmod cpio socat e2fsprogs
deps-vm:
	@$(MAKE) --no-print-directory deps PACKAGES="$(VM_PACKAGES)"

# test-vm runs the VM lab suites (testscripts/lab-vm, root): the playbooks on
# qemu VMs with Debian's kernel and systemd. It builds the VM image first
# when the cache (/var/cache/drover/lab-vm) has no current one.
test-vm: deps deps-vm build
	$(BIN)/drover lab image
	DROVER_TEST_VM=1 DROVER_HELPER_DIR=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 45m -run '^TestLabVM$$' ./cmd/drover

# test runs everything: unit tests, testscript suites, and (as root) the
# end-to-end lab suites. TestLab runs on its own, after the rest: it
# fingerprints the machine before and after the lab suites (the lab must
# not change it), and other packages' tests running meanwhile must not
# either.
# OPT_IN_TESTS run only from their own targets (test-vm, bench) or by hand
# (a real consul, the machine's own noise); TestTunnelLinkLifecycle needs
# a kernel with GRE/IPIP and runs inside a VM (lab-vm/tunnel): `make test` leaves them out by
# name, and skips nothing else. In CI (CI=true) a test that would skip for
# want of root or a program fails instead (internal/testkit, `need` in the
# testscripts).
OPT_IN_TESTS := ^(TestLabVM|TestLabConsul|TestTunnelLinkLifecycle|TestBenchVsAnsible|TestBenchScale|TestBenchWANRoundTrips|TestBenchWANFleet|TestBenchFleetPlan|TestBenchLabHosts|TestBenchVerify30|TestBenchFirstApply|TestMachineQuiet)$$

test: deps build check-helpers tidy-check check-third-party
	DROVER_HELPER_DIR=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 30m -skip '$(OPT_IN_TESTS)|^TestLab$$' ./...
	DROVER_HELPER_DIR=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 30m -run '^TestLab$$' ./cmd/drover
	$(MAKE) race
	$(MAKE) fuzz FUZZTIME=20s

# race runs the tests of code that shares state between goroutines under
# the race detector: lang's parallel evaluation of a large configuration.
race:
	$(GO) test -race -count=1 -run '^TestParallelEvaluationIsSerial$$' ./lang

# fuzz runs each fuzz target from its committed corpus for a bounded time
# (FUZZTIME each): no input may make lang panic (FuzzLoad), and a packed plan
# request reads back as the plain one or is refused (core's FuzzPacked).
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./lang -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test ./core -run '^$$' -fuzz FuzzPacked -fuzztime $(FUZZTIME) -fuzzminimizetime 5s

unit:
	$(GO) test -short ./...

demo: deps build
	$(BIN)/drover lab up playbooks/demo
	$(BIN)/drover apply -auto-approve playbooks/demo
	$(BIN)/drover apply -auto-approve playbooks/demo
	$(BIN)/drover show networks playbooks/demo
	$(BIN)/drover show lbs playbooks/demo
	$(BIN)/drover show vips playbooks/demo
	$(BIN)/drover show dbs playbooks/demo
	@echo "== through the VIP, from s3:"
	@for i in 1 2 3 4; do $(BIN)/drover lab exec playbooks/demo s3 -- curl -s --max-time 2 http://198.51.100.100/; done
	@echo "The lab stays up: try '$(BIN)/drover lab exec playbooks/demo s1 -- ip -br addr'; 'make demo-down' removes it."

demo-down: build
	$(BIN)/drover destroy -auto-approve playbooks/demo || true
	$(BIN)/drover lab down playbooks/demo

# bench prints drover's performance figures (cmd/drover/bench_test.go): a
# no-op apply of the 3-host demo lab (root; first apply and lab up as
# metrics), plan -offline and lang alone on a generated 1,000-server cluster
# (bench). Each lab benchmark builds and removes its own lab.
bench: deps build
	DROVER_HELPER_DIR=$(CURDIR)/$(BIN) $(GO) test -run '^$$' -bench . -benchtime 20x -count 1 -timeout 10m ./runner/... ./cmd/... ./modules/job/placement
	@# lab up and down of 10 and 100 namespace hosts (target: 100 up in <= 10 s).
	DROVER_BENCH=1 $(GO) test -count 1 -timeout 5m -v -run '^TestBenchLabHosts$$' ./lab
	@$(MAKE) --no-print-directory deps-bench
	@# drover vs Ansible on the same work, and drover on 3, 10 and 50 hosts
	@# (cmd/drover/bench_ansible_test.go): tables of wall times and ratios;
	@# verify of a 30-server VXLAN mesh, 10 no-op applies: false failures
	@# and verify time (cmd/drover/bench_verify_test.go); 10 fresh first
	@# applies each of l2vpn and wireguard (cmd/drover/bench_converge_test.go).
	DROVER_BENCH=1 DROVER_BIN=$(CURDIR)/$(BIN)/drover DROVER_HELPER_DIR=$(CURDIR)/$(BIN) $(GO) test -count 1 -timeout 15m -v -run '^TestBench(VsAnsible|Scale|Verify30|FirstApply)$$' ./cmd/drover
	@# over 100 ms of RTT (the lab's relay, cmd/drover/bench_wan_test.go): round
	@# trips per host vs OpenSSH's floor, and 50 hosts vs Ansible.
	DROVER_BENCH=1 DROVER_BIN=$(CURDIR)/$(BIN)/drover DROVER_HELPER_DIR=$(CURDIR)/$(BIN) $(GO) test -count 1 -timeout 30m -v -run '^TestBenchWAN(RoundTrips|Fleet)$$' ./cmd/drover
	@# the controller alone on 10,000 simulated servers (bench/sim): a no-op
	@# plan's wall, CPU, peak RSS, goroutines (cmd/drover/bench_fleet_test.go).
	DROVER_BENCH=1 DROVER_BENCH_PARALLEL=100 DROVER_HELPER_DIR=$(CURDIR)/$(BIN) $(GO) test -count 1 -timeout 30m -v -run '^TestBenchFleetPlan$$' ./cmd/drover

# deps-bench installs what `make bench` compares drover with: Debian's
# ansible-core.
deps-bench:
	@$(MAKE) --no-print-directory deps PACKAGES="ansible-core"

# tidy-check fails when go.mod or go.sum is not tidy.
tidy-check:
	$(GO) mod tidy -diff

# check-third-party proves that drover's copy of golang.org/x/crypto/ssh
# (third_party/xcrypto) is upstream's, plus third_party/x-crypto.patch and
# the renamed imports, and runs upstream's ssh tests on it
# (third_party/README.md says why the patch).
check-third-party:
	./third_party/check.sh

fmt:
	gofmt -l -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

clean:
	rm -rf $(BIN) $(DIST)
