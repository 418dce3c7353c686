package lab

import (
	"bufio"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The VM image. `drover lab up -vm` boots every server from one image built
// from Debian's packages: debootstrap of the suite with systemd, sshd and the
// daemons drover's kinds run (installed and disabled), the kernel and a
// subset of the modules of the suite's linux-image package, a tiny
// initramfs that mounts the root disk, and a local apt repository with a
// couple of packages that are not installed (the package kind installs them
// without network). The image is cached under ImageCacheDir() in a folder
// named by the hash of the recipe (the build script, the guest files and
// the package lists), built once and reused while the recipe is unchanged.

// Files of the recipe, embedded.
var (
	//go:embed vm-image.sh
	vmImageScript string
	//go:embed vm-guest-config.sh
	vmGuestConfig string
	//go:embed vm-initramfs-init.sh
	vmInitramfsInit string
)

// vmRecipe is what an image is built from; its hash names the cache folder.
type vmRecipe struct {
	Suite   string
	Include []string // installed by debootstrap
	Disable []string // units disabled in the image
	Repo    []string // packages in the image's local repository
	Size    string   // root file system size (mke2fs syntax)
}

// defaultRecipe is the image every VM lab uses.
func defaultRecipe() vmRecipe {
	return vmRecipe{
		Suite: "bookworm",
		Include: []string{
			"systemd-sysv", "udev", "dbus", "openssh-server", "iproute2", "iputils-ping", "kmod",
			"procps", "busybox-static", "ca-certificates", "wireguard-tools", "nftables", "dnsmasq",
			"keepalived", "haproxy", "nginx-light", "bird2", "tcpdump", "sudo",
			// Container runtimes as Debian ships them: docker.io (20.10)
			// with apparmor, which apt installs with it (a recommendation;
			// Debian's kernel enables AppArmor and dockerd then needs
			// apparmor_parser to load its profile), and podman (4.3,
			// daemonless) with the CNI plugins. dockerd is disabled in the
			// image (below): started at boot it sets FORWARD's policy to
			// DROP and loads br_netfilter, which breaks every other suite's
			// routing and bridging (a server without Docker), and costs
			// each VM boot tens of seconds of emulated CPU. The docker
			// suite enables and starts it first, as the package's install
			// does on a real server.
			"docker.io", "apparmor", "podman", "containernetworking-plugins",
		},
		Disable: []string{"dnsmasq.service", "keepalived.service", "haproxy.service", "nginx.service", "bird.service",
			"docker.service", "docker.socket", "containerd.service"},
		Repo: []string{"hello", "tree"},
		Size: "2G",
	}
}

// hash identifies the recipe and the files that build it.
func (r vmRecipe) hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "drover lab vm image v2\nsuite %s\ninclude %s\ndisable %s\nrepo %s\nsize %s\n",
		r.Suite, strings.Join(r.Include, ","), strings.Join(r.Disable, " "), strings.Join(r.Repo, " "), r.Size)
	for _, f := range []string{vmImageScript, vmGuestConfig, vmInitramfsInit} {
		fmt.Fprintf(h, "%d\n%s", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Image is a built VM image in the cache.
type Image struct {
	// Hash names the recipe; Dir is ImageCacheDir()/Hash.
	Hash string `json:"hash"`
	Dir  string `json:"dir"`
	// Kernel is the kernel's version and package ("6.1.0-50-amd64 linux-image-6.1.0-50-amd64").
	Kernel string `json:"kernel"`
}

// Files of a built image.
func (i Image) vmlinuz() string { return filepath.Join(i.Dir, "vmlinuz") }
func (i Image) initrd() string  { return filepath.Join(i.Dir, "initrd.img") }
func (i Image) rootfs() string  { return filepath.Join(i.Dir, "rootfs.img") }

const (
	imageReady     = "ready" // written last: the image is complete
	defaultCache   = "/var/cache/drover/lab-vm"
	defaultMirror  = "http://deb.debian.org/debian"
	imageBuildTime = 20 * time.Minute
)

// ImageCacheDir is where VM images are cached: $DROVER_LAB_VM_CACHE, else
// /var/cache/drover/lab-vm.
func ImageCacheDir() string {
	if d := os.Getenv("DROVER_LAB_VM_CACHE"); d != "" {
		return d
	}
	return defaultCache
}

// EnsureImage returns the cached image of the current recipe, building it
// first when it is missing or rebuild is set. Building needs root, the
// network (a Debian mirror: $DROVER_LAB_MIRROR, else the machine's apt
// source, else deb.debian.org) and debootstrap; it takes about a minute
// and a half. Images of other recipes are removed once the new one is
// ready, so the cache holds one image (about 450 MB). Concurrent callers
// wait for one build.
func EnsureImage(ctx context.Context, cacheDir string, rebuild bool, log io.Writer) (Image, error) {
	log = orDiscard(log)
	r := defaultRecipe()
	img := Image{Hash: r.hash(), Dir: filepath.Join(cacheDir, r.hash())}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return img, fmt.Errorf("lab image: %w", err)
	}
	unlock, err := lockFileAt(filepath.Join(cacheDir, ".lock"))
	if err != nil {
		return img, fmt.Errorf("lab image: %w", err)
	}
	defer unlock()
	if !rebuild {
		if kernel, err := os.ReadFile(filepath.Join(img.Dir, imageReady)); err == nil {
			img.Kernel = strings.TrimSpace(string(kernel))
			return img, nil
		}
	}
	if os.Geteuid() != 0 {
		return img, errors.New("lab image: building the VM image needs root (debootstrap, chroot)")
	}
	for _, tool := range []string{"debootstrap", "mke2fs", "cpio", "depmod", "modprobe", "dpkg-deb", "chroot"} {
		if _, err := exec.LookPath(tool); err != nil {
			return img, fmt.Errorf("lab image: %s is not installed (make deps-vm installs what the VM lab needs)", tool)
		}
	}
	start := time.Now()
	fmt.Fprintf(log, "lab image %s: building in %s (debootstrap %s, kernel, modules, initramfs)\n", img.Hash, cacheDir, r.Suite)
	if err := buildImage(ctx, r, img, log); err != nil {
		return img, err
	}
	kernel, err := os.ReadFile(filepath.Join(img.Dir, imageReady))
	if err != nil {
		return img, fmt.Errorf("lab image: %w", err)
	}
	img.Kernel = strings.TrimSpace(string(kernel))
	removeOtherImages(cacheDir, img.Hash, log)
	fmt.Fprintf(log, "lab image %s: built in %s (%s)\n", img.Hash, time.Since(start).Round(time.Second), img.Kernel)
	return img, nil
}

// buildImage runs vm-image.sh in a scratch folder next to the image and
// moves the result into place.
func buildImage(ctx context.Context, r vmRecipe, img Image, log io.Writer) error {
	work := img.Dir + ".work"
	out := img.Dir + ".new"
	for _, d := range []string{work, out} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("lab image: %w", err)
		}
	}
	defer os.RemoveAll(work)
	defer os.RemoveAll(out)
	files := filepath.Join(work, "files")
	if err := os.MkdirAll(files, 0o755); err != nil {
		return fmt.Errorf("lab image: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("lab image: %w", err)
	}
	for name, data := range map[string]string{"guest-config.sh": vmGuestConfig, "initramfs-init.sh": vmInitramfsInit} {
		if err := os.WriteFile(filepath.Join(files, name), []byte(data), 0o755); err != nil {
			return fmt.Errorf("lab image: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, imageBuildTime)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", vmImageScript, "vm-image.sh")
	cmd.Env = append(hostEnv[:len(hostEnv):len(hostEnv)],
		"WORK="+work, "OUT="+out, "SUITE="+r.Suite, "MIRROR="+debianMirror(),
		"INCLUDE="+strings.Join(r.Include, ","), "DISABLE="+strings.Join(r.Disable, " "),
		"REPO="+strings.Join(r.Repo, " "), "SIZE="+r.Size, "FILES="+files)
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = log, log
	// debootstrap mounts /proc and friends inside the tree: a mount
	// namespace of its own makes sure none of them outlives the build.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Cloneflags: syscall.CLONE_NEWNS}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("lab image %s: build failed: %w (the output above says which step)", img.Hash, err)
	}
	kernel, err := os.ReadFile(filepath.Join(out, "kernel"))
	if err != nil {
		return fmt.Errorf("lab image: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, imageReady), kernel, 0o644); err != nil {
		return fmt.Errorf("lab image: %w", err)
	}
	// Running VMs keep their open backing file; new ones use the new image.
	if err := os.RemoveAll(img.Dir); err != nil {
		return fmt.Errorf("lab image: %w", err)
	}
	return wrapErr(os.Rename(out, img.Dir), "lab image")
}

// removeOtherImages deletes the images of other recipes (and leftovers of
// interrupted builds) from the cache.
func removeOtherImages(cacheDir, keep string, log io.Writer) {
	entries, _ := os.ReadDir(cacheDir)
	for _, e := range entries {
		if !e.IsDir() || e.Name() == keep {
			continue
		}
		if err := os.RemoveAll(filepath.Join(cacheDir, e.Name())); err == nil {
			fmt.Fprintf(log, "lab image: removed old %s\n", e.Name())
		}
	}
}

// debianMirror is $DROVER_LAB_MIRROR, else the first Debian mirror of the
// machine's apt sources, else deb.debian.org.
func debianMirror() string {
	if m := os.Getenv("DROVER_LAB_MIRROR"); m != "" {
		return m
	}
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	files = append([]string{"/etc/apt/sources.list"}, files...)
	more, _ := filepath.Glob("/etc/apt/sources.list.d/*.list")
	for _, f := range append(files, more...) {
		if m := mirrorIn(f); m != "" {
			return m
		}
	}
	return defaultMirror
}

// mirrorIn finds the first Debian main-archive URI in an apt source file
// (one-line or deb822 format), skipping security and backports archives.
func mirrorIn(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		var uris []string
		switch {
		case len(fields) >= 3 && fields[0] == "deb":
			for _, x := range fields[1:] {
				if !strings.HasPrefix(x, "[") && !strings.HasSuffix(x, "]") && !strings.Contains(x, "=") {
					uris = append(uris, x)
					break
				}
			}
		case len(fields) >= 2 && fields[0] == "URIs:":
			uris = fields[1:]
		}
		for _, u := range uris {
			if strings.HasPrefix(u, "http") && strings.HasSuffix(strings.TrimSuffix(u, "/"), "/debian") {
				return strings.TrimSuffix(u, "/")
			}
		}
	}
	return ""
}

// lockFileAt takes an exclusive flock on path (created when missing); the
// returned function releases it.
func lockFileAt(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// imageExists reports whether the image's files are all there.
func imageExists(img Image) error {
	for _, f := range []string{img.vmlinuz(), img.initrd(), img.rootfs()} {
		if _, err := os.Stat(f); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("lab image %s is incomplete (%s missing): drover lab image -rebuild", img.Hash, filepath.Base(f))
			}
			return err
		}
	}
	return nil
}
