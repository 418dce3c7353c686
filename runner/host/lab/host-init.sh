#!/bin/sh
# host-init.sh is PID 1 of a drover lab host. The lab starts it in the host's
# network namespace and in fresh mount, UTS, IPC and PID namespaces; it gives
# the host a private view of the machine and then becomes the host's sshd.
#
# Usage: host-init.sh NAME OVL CGROUP...
#   NAME    the server name (becomes the hostname)
#   OVL     directory holding DIR/upper and DIR/work for each private DIR
#   CGROUP  "SUBDIR:FSTYPE:OPTIONS", one cgroup hierarchy to mount below
#           /sys/fs/cgroup (SUBDIR "." mounts on /sys/fs/cgroup itself)
set -eu
name=$1 ovl=$2
shift 2

say() { echo "drover lab host $name: $*" >&2; }

# Nothing this host mounts may leak back into the machine's namespace.
mount --make-rprivate /

# Private writable layers over the machine's directories. The layers are
# named relative to OVL: once /root (say) is overlaid, an OVL below /root
# cannot be reached by its path any more, but still as the working
# directory.
cd "$ovl"
for d in etc var/lib var/log root usr/local; do
	[ -d "/$d" ] || continue
	if ! [ -d "$d/upper" ] || ! [ -d "$d/work" ]; then
		say "missing $ovl/$d/upper or work"
		exit 1
	fi
	mount -t overlay drover-lab -o "lowerdir=/$d,upperdir=$d/upper,workdir=$d/work" "/$d"
done
cd /

# Detach the copies of mounts below /run and /tmp that this namespace
# inherited (other labs' namespace files and tmpfs): this host must not
# keep them alive after their owners remove them. The overlays above keep
# what they use.
sed -n 's/^[^ ]* [^ ]* [^ ]* [^ ]* \([^ ]*\) .*/\1/p' /proc/self/mountinfo |
	grep -E '^/(run|tmp)/' | sort -r | while read -r m; do
	umount -l "$m" 2>/dev/null || true
done
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
if [ -d /dev/shm ] && ! [ -L /dev/shm ]; then
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
fi
mkdir -p /run/sshd /run/lock

# /proc for the new PID namespace, /sys for the host's network namespace.
mount -t proc -o nosuid,nodev,noexec proc /proc
umount -l /sys 2>/dev/null || true
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys

# cgroup hierarchies (container runtimes need them); a single hierarchy
# that cannot be mounted is reported and skipped.
cg=/sys/fs/cgroup
case "${1:-}" in
.:*) ;;
*) mount -t tmpfs -o mode=755,nosuid,nodev,noexec cgroup "$cg" ;;
esac
for spec in "$@"; do
	dir=${spec%%:*} rest=${spec#*:}
	fstype=${rest%%:*} opts=${rest#*:}
	if mkdir -p "$cg/$dir" && mount -t "$fstype" -o "$opts" cgroup "$cg/$dir" 2>/dev/null; then
		case $dir in
		*,*) for c in $(echo "$dir" | tr , ' '); do ln -sfn "$dir" "$cg/$c"; done ;;
		esac
	else
		say "cannot mount $fstype ($opts) on $cg/$dir, skipped"
		[ "$dir" = . ] || rmdir "$cg/$dir" 2>/dev/null || true
	fi
done

# A lab host is a fresh server: root gets Debian's default dotfiles, not
# those of whoever runs the lab (a .bashrc that runs tools on every ssh
# command makes each session slow and noisy).
for f in .bashrc .profile; do
	if [ -f "/etc/skel/$f" ]; then cp "/etc/skel/$f" "/root/$f"; else : >"/root/$f"; fi
done

echo "$name" >/proc/sys/kernel/hostname
exec /usr/sbin/sshd -D -e -f /etc/ssh/lab_sshd_config
