// Package runner connects drover to its servers and runs plans: one SSH
// connection and one helper per host for the whole run (a plan of
// thousands of hosts closes each between its facts and its plan:
// parking.go), facts gathered in one round trip, modules expanded with
// those facts batch by batch, a plan per host from the helper, and an
// apply that walks the dependency graph with hosts in parallel, resources
// in order, and each host's failure kept to itself.
package runner

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/runner/helper"
	"github.com/drover/drover/runner/transport"
)

// Options are the run's settings from the command line and the lab.
type Options struct {
	Parallel int      // hosts at once; <= 0 = DefaultParallel
	Limit    []string // only these servers; nil = all
	// Progress receives one line per host per step; nil = discard.
	Progress io.Writer
	// Helper returns the helper binary for a host architecture.
	Helper func(arch string) (transport.Binary, error)
	// SSH overrides the cluster's ssh block where set (the lab sets its
	// key, known_hosts and dialer).
	SSH SSHOverride
	// Holder names this run in host locks ("alice@laptop pid 4242").
	Holder string
	// Events receives each step as it happens (events.go); nil = none.
	Events func(Event)
	// Heartbeat is how often a long step prints that it is still
	// running: 0 = DefaultHeartbeat, < 0 = never.
	Heartbeat time.Duration
	// SSHConfig is the OpenSSH client configuration (~/.ssh/config,
	// /etc/ssh/ssh_config) that fills the settings the ssh blocks leave
	// open; nil = none. A lab's dialer ignores it.
	SSHConfig *transport.SSHConfig
	// BecomePassword is the sudo password for become on servers where
	// sudo asks for one; "" = passwordless sudo. Never logged or stored.
	BecomePassword string
	// Log receives debug records (-v, DROVER_LOG=debug): where each SSH
	// setting came from, connections, helper starts, every helper call
	// with its timing, round trips per host. nil = none.
	Log *slog.Logger
	// Expand turns the cluster and the gathered facts into what each host
	// should have (modules.Expand); runner never expands declarations
	// itself, so the pipeline's arrows all point one way.
	Expand Expander
	// Lock takes every host's apply lock as it connects, in the round trip
	// that starts its helper and gathers its facts (Session.Lock then only
	// starts the heartbeat); an apply sets it.
	Lock bool
	// HoldAtMost is how many hosts a plan keeps connected between
	// gathering their facts and planning (0 = all of them). Beyond it,
	// each host is closed once its facts are in and connected again for
	// its plan (parking.go): a second login for each, and memory for
	// HoldAtMost connections instead of every host's. Ignored with Lock:
	// an apply holds every host's lock, so every host's connection.
	HoldAtMost int
	// Stream expands the desired state some hosts at a time
	// (modules.NewStream): a plan expands, sends and lets go of one batch
	// of -parallel hosts after another instead of holding every host's
	// desired state at once. nil = Expand, whole.
	Stream func(c *lang.Cluster, facts map[string]*core.Facts) HostsExpander
	// FactScope names, for a cluster where each host's desired state
	// reads a few servers' facts only, those servers (modules.FactScope;
	// ok false: any server's). With Stream and without Lock, a plan of
	// such a cluster plans each host as soon as its scope's facts are
	// in, on the connection that gathered its own (rolling.go): one
	// login per host, however large the fleet, and few hosts held at
	// once. nil = every host's facts first.
	FactScope func(c *lang.Cluster) (scope func(host string) []string, ok bool)
	// ShowOnly marks a plan that is shown and not applied (plan without
	// -out): its HostPlans keep the changes to make and drop the no-ops,
	// which only an apply needs (the helper's fingerprint covers them).
	// A 10,000-host no-op plan then holds nothing per host.
	ShowOnly bool
}

// HostsExpander expands the desired state of the named hosts
// (modules.Stream).
type HostsExpander interface {
	Hosts(names []string) (*core.Desired, error)
}

// Expander is the expansion stage as runner sees it: modules.Expand.
type Expander func(c *lang.Cluster, facts map[string]*core.Facts) (*core.Desired, error)

// SSHOverride replaces parts of the cluster's ssh settings.
type SSHOverride struct {
	User         string
	IdentityFile string
	KnownHosts   string
	NoAgent      bool
	Dial         func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Session is an open run against the cluster's hosts.
type Session struct {
	Cluster *lang.Cluster
	opts    Options
	hosts   []*Host
	// observers are servers outside the run connected only to be asked a
	// question verify cannot answer without them (exclusive.go).
	observers []*Host
	// Stats counts SSH connections and helper uploads of the run.
	Stats transport.Stats
	// knownHosts holds the known_hosts files parsed once for all hosts,
	// keyFiles the identity files read once.
	knownHosts transport.KnownHostsCache
	keyFiles   transport.KeyFiles
	// stopHeartbeat ends the pings that keep held host locks alive.
	stopHeartbeat context.CancelFunc
	// revert is the apply generation and the reverts it armed
	// (confirm.go).
	revert revertState
	// closing tracks parked hosts' connections still closing
	// (parking.go); Close waits for them.
	closing sync.WaitGroup
	// scope is Options.FactScope's answer for a plan that rolls
	// (rolling.go); nil otherwise.
	scope func(host string) []string
}

// Host is one server's connection, helper and facts. Err is set when the
// host could not be reached or its helper failed; the host then takes no
// further part in the run.
type Host struct {
	Name    string
	Address string
	Facts   *core.Facts
	Err     error
	// Unreachable is set when Err is a failure to connect (not a helper,
	// lock or plan error).
	Unreachable bool
	// Armed is the revert armed on the host when drover connected, and
	// Report the last revert it made (apply -confirm).
	Armed  *helper.Armed
	Report *helper.RevertReport
	conn   transport.Conn
	helper *transport.HelperClient
	mu     sync.Mutex // one request at a time on the helper
	log    *slog.Logger
	// secrets are the cluster's (lang.Cluster.Secrets): what the helper
	// answers is cleared of them (hideSecrets), whichever command or
	// check output repeated one.
	secrets []string
	// calls and busy count the helper's requests and their time (ns).
	calls, busy atomic.Int64
	// locked is set once the host's apply lock is held.
	locked bool
	// parked is set while the host is closed between its facts and its
	// plan (Options.HoldAtMost).
	parked bool
}

// Open connects to every (limited) server in parallel, starts its helper
// and gathers facts. Unreachable hosts are recorded, not fatal.
func Open(ctx context.Context, c *lang.Cluster, opts Options) *Session {
	if opts.Parallel <= 0 {
		opts.Parallel = DefaultParallel(c)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	s := &Session{Cluster: c, opts: opts}
	for _, srv := range c.Servers {
		if len(opts.Limit) == 0 || slices.Contains(opts.Limit, srv.Name) {
			s.hosts = append(s.hosts, &Host{Name: srv.Name, Address: srv.Address, log: opts.Log.With("host", srv.Name), secrets: c.Secrets})
		}
	}
	if s.rolls() { // rolling.go: Plan connects each host
		return s
	}
	s.each(ctx, func(ctx context.Context, h *Host) error {
		if err := s.open(ctx, h); err != nil {
			return err
		}
		if s.parks() {
			s.park(h, "parked after its facts")
		}
		return nil
	})
	return s
}

// open connects one host, starts its helper and gathers its facts,
// with its progress lines and events.
func (s *Session) open(ctx context.Context, h *Host) error {
	start := time.Now()
	stop := s.stillRunning(h.Name, "connecting", Event{})
	defer stop()
	if err := s.connect(ctx, h); err != nil {
		if h.Unreachable {
			s.emit(Event{Type: EventUnreachable, Host: h.Name, Elapsed: time.Since(start), Error: err.Error()})
		}
		return err
	}
	s.progress(h.Name, "connected, helper ready, facts gathered (%s)", since(start))
	s.emit(Event{Type: EventConnected, Host: h.Name, Elapsed: time.Since(start)})
	return nil
}

// Defaults of -parallel: hosts spend most of a run waiting for round
// trips (at 100 ms RTT a no-op apply is ~12 of them), so many hosts at once
// cost little: all of a run's hosts stay connected anyway, and a host in
// flight adds a few goroutines and a request's worth of memory. Through a
// bastion each host is also a login there, and its sshd drops
// unauthenticated connections beyond MaxStartups (OpenSSH: 10:30:100).
const (
	ParallelDefault = 100
	ParallelJump    = 10
)

// DefaultParallel is how many hosts a run works on at once unless told:
// ParallelDefault, or ParallelJump when a server is reached through a
// jump host.
func DefaultParallel(c *lang.Cluster) int {
	if len(c.SSH.Jumps) > 0 {
		return ParallelJump
	}
	for _, srv := range c.Servers {
		if len(srv.SSH.Jumps) > 0 {
			return ParallelJump
		}
	}
	return ParallelDefault
}

// Hosts returns the session's hosts in declaration order.
func (s *Session) Hosts() []*Host { return s.hosts }

// Facts returns the facts of every reachable host.
func (s *Session) Facts() map[string]*core.Facts {
	facts := map[string]*core.Facts{}
	for _, h := range s.hosts {
		if h.Err == nil && h.Facts != nil {
			facts[h.Name] = h.Facts
		}
	}
	return facts
}

func (s *Session) connect(ctx context.Context, h *Host) error {
	srv := s.Cluster.Server(h.Name)
	start := time.Now()
	conn, err := s.dial(ctx, srv, h.log)
	if err != nil {
		h.Unreachable = true
		h.log.Debug("connect failed", "elapsed", time.Since(start), "err", err)
		return err
	}
	h.log.Debug("connected", "elapsed", time.Since(start))
	h.conn = conn
	// Facts (and the lock) ride with the helper's start: one round trip.
	first := []helper.Request{{Op: helper.OpFacts}}
	if s.opts.Lock {
		first = append(first, s.lockRequest())
	}
	start, uploads := time.Now(), s.Stats.Uploads.Load()
	hc, err := s.startHelper(ctx, conn, first)
	if err != nil {
		h.log.Debug("helper start failed", "elapsed", time.Since(start), "err", err)
		return err
	}
	h.log.Debug("helper started", "elapsed", time.Since(start), "uploaded", s.Stats.Uploads.Load() > uploads)
	h.helper = hc
	resp, err := h.answer(ctx, first[0].Op)
	if err != nil {
		return err
	}
	h.Facts, h.Armed, h.Report = resp.Facts, resp.Armed, resp.Report
	if s.opts.Lock {
		if _, err := h.answer(ctx, first[1].Op); err != nil {
			return err
		}
		h.locked = true
	}
	if srv.Local && h.Address == "" && h.Facts != nil {
		h.Address = localAddress(h.Facts)
	}
	if srv.LearnAddress && h.Facts != nil { // shown in the plan; modules learn it the same way
		if a, err := s.Cluster.LearnedAddress(srv, h.Facts); err == nil {
			h.Address = a
			h.log.Debug("address learned from facts", "address", a)
		}
	}
	return nil
}

// startHelper starts the amd64 helper, the common case, in one round trip;
// a host of another architecture refuses it, and then gets its own build.
func (s *Session) startHelper(ctx context.Context, conn transport.Conn, first []helper.Request) (*transport.HelperClient, error) {
	bin, err := s.opts.Helper("amd64")
	if err != nil {
		return nil, err
	}
	hc, err := conn.StartHelper(ctx, bin, first...)
	if err == nil {
		return hc, nil
	}
	arch, aerr := transport.Arch(ctx, conn)
	if aerr != nil || arch == "amd64" {
		return nil, err
	}
	if bin, err = s.opts.Helper(arch); err != nil {
		return nil, err
	}
	return conn.StartHelper(ctx, bin, first...)
}

func (s *Session) dial(ctx context.Context, srv *lang.Server, log *slog.Logger) (transport.Conn, error) {
	cfg := s.Cluster.SSH
	if srv.Local {
		log.Debug("local host: no SSH", "become", cfg.Become)
		return &transport.LocalConn{Name: srv.Name, Become: cfg.Become, Stats: &s.Stats}, nil
	}
	if srv.SSH.User != "" { // the server's own ssh block laid over the cluster's
		cfg = srv.SSH
	}
	addr := srv.Connect // as written: an IP address, a host name or an ssh_config alias
	if addr == "" {
		addr = srv.Address
	}
	if cfg.Host != "" {
		addr = cfg.Host
	}
	tc := transport.Config{
		Host: srv.Name, Address: addr, Port: srv.Port, User: srv.User,
		IdentityFile: cfg.IdentityFile, Agent: cfg.Agent, KnownHosts: cfg.KnownHosts,
		TrustOnFirstUse: cfg.TrustOnFirst, Become: cfg.Become, Timeout: cfg.Timeout,
		KeepAlive: keepAlive(cfg.Timeout), Stats: &s.Stats,
		Explicit: map[string]bool{}, BecomePassword: s.opts.BecomePassword, Log: log,
		KnownHostsCache: &s.knownHosts, KeyFiles: &s.keyFiles,
	}
	for name := range cfg.Explicit {
		tc.Explicit[name] = true
	}
	o := s.opts.SSH
	if o.User != "" {
		tc.User = o.User
		tc.Explicit[transport.SetUser] = true
	}
	if o.IdentityFile != "" {
		tc.IdentityFile = o.IdentityFile
		tc.Explicit[transport.SetIdentityFile] = true
	}
	if o.KnownHosts != "" {
		tc.KnownHosts = o.KnownHosts
		tc.Explicit[transport.SetKnownHosts] = true
	}
	if o.NoAgent {
		tc.Agent = false
	}
	tc.Dial = o.Dial
	if o.Dial == nil { // a lab's dialer reaches its hosts directly
		tc.SSHConfig = s.opts.SSHConfig
	}
	logSSHSettings(log, srv, cfg, o, tc)
	if len(cfg.Jumps) > 0 && o.Dial == nil {
		jump, err := transport.JumpChain(tc, cfg.Jumps)
		if err != nil {
			return nil, fmt.Errorf("%s: ssh jump: %w", srv.Name, err)
		}
		tc.Jump = jump
	}
	return transport.DialSSH(ctx, tc)
}

// keepAlive is the interval of SSH keepalives: the connect timeout, at
// most 15s, so that a server that stops answering mid-apply fails its
// host within four times the timeout (an interval until the next
// keepalive, three for its answer) rather than hanging the run.
func keepAlive(timeout time.Duration) time.Duration {
	if timeout <= 0 || timeout > 15*time.Second {
		return 15 * time.Second
	}
	return timeout
}

// call sends one request to the host's helper.
func (h *Host) call(ctx context.Context, req helper.Request, onEvent func(helper.Event)) (helper.Response, error) {
	onEvent = h.hidingSecrets(onEvent)
	return h.ask(req.Op, func(hc *transport.HelperClient) (helper.Response, error) { return hc.Call(ctx, req, onEvent) })
}

// hidingSecrets is onEvent seeing each event's error cleared of the
// cluster's secrets (hideSecrets).
func (h *Host) hidingSecrets(onEvent func(helper.Event)) func(helper.Event) {
	if onEvent == nil || len(h.secrets) == 0 {
		return onEvent
	}
	return func(ev helper.Event) {
		ev.Error = core.HideValues(ev.Error, h.secrets)
		onEvent(ev)
	}
}

// answer reads the answer to the request of op sent with the helper's
// start.
func (h *Host) answer(ctx context.Context, op string) (helper.Response, error) {
	return h.ask(op, func(hc *transport.HelperClient) (helper.Response, error) { return hc.Answer(ctx, op, nil) })
}

// ask runs one exchange with the host's helper, counts and logs it, and
// turns a refusal into an error.
func (h *Host) ask(op string, exchange func(*transport.HelperClient) (helper.Response, error)) (helper.Response, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.helper == nil {
		return helper.Response{}, fmt.Errorf("%s: not connected (closed after its facts)", h.Name)
	}
	start := time.Now()
	resp, err := exchange(h.helper)
	took := time.Since(start)
	resp, err = h.hideSecrets(resp, err)
	n := h.calls.Add(1)
	h.busy.Add(int64(took))
	if h.log != nil {
		h.log.Debug("helper call", "op", op, "elapsed", took, "call", n, "ok", err == nil && resp.OK)
	}
	if err != nil {
		return resp, err
	}
	if !resp.OK {
		return resp, fmt.Errorf("%s", resp.Error)
	}
	return resp, nil
}

// hideSecrets clears an answer's error messages (a revert's too) and
// check details of the cluster's secrets: the helper hides a resource's
// sensitive values, but a command's output may quote part of one (a
// password inside a command line), and only the controller knows the
// secrets themselves.
func (h *Host) hideSecrets(resp helper.Response, err error) (helper.Response, error) {
	if len(h.secrets) == 0 {
		return resp, err
	}
	resp.Error = core.HideValues(resp.Error, h.secrets)
	for i := range resp.Results {
		resp.Results[i].Detail = core.HideValues(resp.Results[i].Detail, h.secrets)
	}
	if r := resp.Report; r != nil { // a revert's steps
		r.Error = core.HideValues(r.Error, h.secrets)
		for i := range r.Steps {
			r.Steps[i].Error = core.HideValues(r.Steps[i].Error, h.secrets)
		}
	}
	return resp, core.HideError(err, h.secrets)
}

// each runs fn on every healthy host, at most opts.Parallel at once, and
// records a host's error on it.
func (s *Session) each(ctx context.Context, fn func(context.Context, *Host) error) {
	sem := make(chan struct{}, s.opts.Parallel)
	var wg sync.WaitGroup
	for _, h := range s.hosts {
		if h.Err != nil {
			continue
		}
		// A goroutine starts when a slot is free, not one per host
		// waiting: 10,000 hosts are not 10,000 parked stacks.
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, h); err != nil {
				h.Err = err
				s.progress(h.Name, "failed: %v", err)
			}
		}()
	}
	wg.Wait()
}

// Close stops every helper and closes every connection, all hosts at once:
// stopping a helper waits for it to exit, a round trip per host.
func (s *Session) Close() {
	if s.stopHeartbeat != nil {
		s.stopHeartbeat()
	}
	var wg sync.WaitGroup
	s.closing.Wait()
	for _, h := range append(s.hosts, s.observers...) {
		if h.log != nil && h.helper != nil {
			h.logRoundTrips(h.conn)
		}
		wg.Go(func() { s.closeHost(h) })
	}
	wg.Wait()
}

// logRoundTrips logs, before conn closes, its network round trips
// (counted on the SSH connection's socket, transport turnConn, the TCP
// handshake included) and the host's helper calls and their time.
func (h *Host) logRoundTrips(conn transport.Conn) {
	h.log.Debug("round trips", "network", transport.RoundTrips(conn), "helper_calls", h.calls.Load(), "helper_time", time.Duration(h.busy.Load()))
}

// closeHost stops a host's helper and closes its connection.
func (s *Session) closeHost(h *Host) {
	if h.helper != nil {
		h.helper.Close()
	}
	if h.conn != nil {
		h.conn.Close()
	}
}

func (s *Session) progress(hostName, format string, args ...any) {
	if s.opts.Progress == nil {
		return
	}
	fmt.Fprintf(s.opts.Progress, "%s: %s\n", hostName, fmt.Sprintf(format, args...))
}

func since(t time.Time) string { return time.Since(t).Round(time.Millisecond).String() }

// DefaultHolder describes this process for host locks.
func DefaultHolder() string {
	name, _ := os.Hostname()
	user := os.Getenv("USER")
	if user == "" {
		user = "root"
	}
	return fmt.Sprintf("%s@%s pid %d", user, name, os.Getpid())
}

func localAddress(f *core.Facts) string {
	ifc, ok := f.Interface(f.DefaultIface)
	if !ok {
		return ""
	}
	for _, a := range ifc.Addrs {
		for i := 0; i < len(a); i++ {
			if a[i] == '/' {
				return a[:i]
			}
		}
	}
	return ""
}
