#!/bin/sh
# vm-image.sh builds the drover lab VM image from Debian's packages. The lab
# (vm_image.go) runs it as root with these variables:
#   WORK      empty scratch directory (the root tree is built in WORK/root)
#   OUT       directory that receives vmlinuz, initrd.img, rootfs.img, kernel
#   SUITE     Debian suite (bookworm)
#   MIRROR    Debian mirror URL
#   INCLUDE   packages for debootstrap --include (comma-separated)
#   DISABLE   units to disable in the image (daemons drover starts itself)
#   REPO      packages put in the image's local apt repository (not installed)
#   SIZE      size of rootfs.img (mke2fs syntax: 2G)
#   FILES     directory holding guest-config.sh and initramfs-init.sh
# Every step says what it does on stderr; a failing step stops the build.
set -eu
root=$WORK/root
kx=$WORK/kernel
step() { echo "drover lab image: $*" >&2; }
inroot() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
apt_opts="-q -o APT::Sandbox::User=root -o Acquire::Languages=none"

step "debootstrap $SUITE from $MIRROR"
debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$root" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
	tail -n 30 "$WORK/debootstrap.log" >&2
	exit 1
}

step "kernel: download and unpack linux-image-amd64"
inroot apt-get $apt_opts update >/dev/null
kpkg=$(inroot apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
[ -n "$kpkg" ] || { step "no kernel package behind linux-image-amd64"; exit 1; }
mkdir -p "$root/tmp/drover-dl"
inroot sh -c "cd /tmp/drover-dl && apt-get $apt_opts download $kpkg $REPO" >/dev/null
dpkg-deb -x "$root"/tmp/drover-dl/linux-image-*.deb "$kx"
kver=$(ls "$kx/lib/modules")
cp "$kx/boot/vmlinuz-$kver" "$OUT/vmlinuz"
echo "$kver $kpkg" >"$OUT/kernel"

# Modules: what servers use (net, fs, crypto, lib, ...) and the drivers a
# VM has; sound, GPU, media, USB, wireless and the like stay out.
step "modules for $kver"
src=$kx/lib/modules/$kver
dst=$root/lib/modules/$kver
mkdir -p "$dst/kernel/drivers"
cp -a "$src"/modules.order "$src"/modules.builtin* "$dst/"
for d in arch block crypto fs lib mm net virt; do
	[ -d "$src/kernel/$d" ] && cp -a "$src/kernel/$d" "$dst/kernel/"
done
for d in net virtio block char md crypto; do
	[ -d "$src/kernel/drivers/$d" ] && cp -a "$src/kernel/drivers/$d" "$dst/kernel/drivers/"
done
rm -rf "$dst/kernel/drivers/net/wireless" "$dst/kernel/drivers/net/ethernet" \
	"$dst/kernel/drivers/net/usb" "$dst/kernel/drivers/net/can"
depmod -b "$root" "$kver"
rm -rf "$kx"

step "local package repository: $REPO"
repo=$root/var/lib/drover-lab/repo
mkdir -p "$repo"
mv "$root"/tmp/drover-dl/*.deb "$repo/"
rm -f "$repo"/linux-image-*.deb
rm -rf "$root/tmp/drover-dl"
for deb in "$repo"/*.deb; do
	dpkg-deb -f "$deb"
	echo "Filename: ./$(basename "$deb")"
	echo "Size: $(stat -c %s "$deb")"
	echo "MD5sum: $(md5sum "$deb" | cut -d' ' -f1)"
	echo "SHA256: $(sha256sum "$deb" | cut -d' ' -f1)"
	echo
done >"$repo/Packages"
echo "deb [trusted=yes] file:/var/lib/drover-lab/repo ./" >"$root/etc/apt/sources.list"
inroot apt-get $apt_opts update >/dev/null
inroot apt-get clean

step "configure: sshd, units, network, journal"
rm -f "$root"/etc/ssh/ssh_host_*
cat >"$root/etc/ssh/sshd_config.d/drover-lab.conf" <<'EOF'
# drover lab VM: root by key only; the host key comes from the lab.
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
EOF
install -D -m 755 "$FILES/guest-config.sh" "$root/usr/lib/drover-lab/config"
cat >"$root/etc/systemd/system/lab-vm-config.service" <<'EOF'
[Unit]
Description=drover lab: host name, address and SSH keys from the config disk
DefaultDependencies=no
After=local-fs.target
Before=network-pre.target network.target ssh.service
Wants=network-pre.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/lib/drover-lab/config

[Install]
WantedBy=sysinit.target
EOF
inroot systemctl enable lab-vm-config.service >/dev/null 2>&1
for u in $DISABLE; do
	inroot systemctl disable "$u" >/dev/null 2>&1 || true
done
# Timers and jobs a throwaway lab server does not need (they cost seconds
# of emulated CPU each boot).
for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	fstrim.timer e2scrub_reap.service systemd-pstore.service remote-fs.target; do
	inroot systemctl disable "$u" >/dev/null 2>&1 || true
done
# Units a lab VM does without: each costs seconds of emulated CPU at boot
# (no console logins, no FUSE, debugfs, hugepages or device-mapper).
for u in getty@tty1.service serial-getty@ttyS0.service systemd-timesyncd.service \
	modprobe@fuse.service modprobe@configfs.service modprobe@dm_mod.service modprobe@drm.service \
	modprobe@loop.service sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
	sys-fs-fuse-connections.mount dev-hugepages.mount kmod-static-nodes.service \
	systemd-random-seed.service systemd-update-utmp.service systemd-update-utmp-runlevel.service \
	systemd-journal-flush.service; do
	inroot systemctl mask "$u" >/dev/null 2>&1 || true
done
inroot systemctl set-default multi-user.target >/dev/null 2>&1
# sshd's configuration test before each start costs seconds of emulated CPU.
mkdir -p "$root/etc/systemd/system/ssh.service.d"
printf '[Service]\nExecStartPre=\n' >"$root/etc/systemd/system/ssh.service.d/drover-lab.conf"
# Drivers for hardware a lab VM lacks or must not use.
printf 'blacklist %s\n' kvm kvm_amd kvm_intel floppy pcspkr ccp joydev >"$root/etc/modprobe.d/drover-lab.conf"
# The initramfs mounts the root disk read-write; nothing else to mount.
echo "# / is mounted by the drover lab initramfs" >"$root/etc/fstab"
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n' >"$root/etc/systemd/journald.conf.d/drover-lab.conf"
# One fixed machine-id in the image (an empty one would make systemd's
# first boot re-enable every unit); each VM gets its own through
# systemd.machine_id= on the kernel command line.
echo 0123456789abcdef0123456789abcdef >"$root/etc/machine-id"
for f in .bashrc .profile; do
	[ -f "$root/etc/skel/$f" ] && cp "$root/etc/skel/$f" "$root/root/$f"
done
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/var/log/*.log "$root"/var/cache/apt/*.bin

step "initramfs"
ird=$WORK/initramfs
mkdir -p "$ird/bin" "$ird/proc" "$ird/sys" "$ird/dev" "$ird/lib/modules"
cp "$root/bin/busybox" "$ird/bin/busybox"
install -m 755 "$FILES/initramfs-init.sh" "$ird/init"
: >"$ird/modules"
modprobe -d "$root" -S "$kver" --show-depends -a virtio_pci virtio_blk crc32c_generic ext4 virtio_net |
	sed -n 's/^insmod \([^ ]*\).*/\1/p' | while read -r m; do
	grep -qx "/lib/modules/$(basename "$m")" "$ird/modules" && continue
	cp "$m" "$ird/lib/modules/"
	echo "/lib/modules/$(basename "$m")" >>"$ird/modules"
done
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$OUT/initrd.img"

step "root file system image ($SIZE)"
mke2fs -q -t ext4 -L drover-root -E root_owner=0:0 -d "$root" "$OUT/rootfs.img" "$SIZE" >/dev/null
rm -rf "$root" "$ird"
step "done: $(cat "$OUT/kernel")"
