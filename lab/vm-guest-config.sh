#!/bin/sh
# lab-vm-config runs early in every drover lab VM (lab-vm-config.service,
# before sshd). It unpacks the small read-only disk whose serial is
# "drover-lab-config" (a plain tar archive that `drover lab up -vm` writes
# per VM) over / and applies it:
#   etc/hostname, etc/ssh/ssh_host_ed25519_key[.pub], root/.ssh/authorized_keys,
#   etc/ssh/sshd_config.d/10-drover-lab.conf (sshd's port)
#   run/drover-lab/ip.batch  eth0's address and the default route (ip -batch)
# Emulated CPUs make every process start count: two programs run here.
set -eu

disk=""
for s in /sys/block/vd*/serial; do
	read -r serial <"$s" || true
	if [ "$serial" = drover-lab-config ]; then
		d=${s%/serial}
		disk=/dev/${d##*/}
	fi
done
if [ -z "$disk" ]; then
	echo "lab-vm-config: no disk with serial drover-lab-config" >&2
	exit 1
fi
tar -x --no-same-owner --no-overwrite-dir -f "$disk" -C /
read -r name </etc/hostname
echo "$name" >/proc/sys/kernel/hostname
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$name" >/etc/hosts
# eth0 exists: the initramfs loaded virtio_net.
ip -batch /run/drover-lab/ip.batch
echo "lab-vm-config: $name is up" >&2
