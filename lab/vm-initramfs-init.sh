#!/bin/busybox sh
# init of the drover lab VMs' tiny initramfs: load the modules the root
# disk needs (listed in /modules, in dependency order), mount the virtio
# disk whose serial is "drover-lab-root" and hand over to systemd.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do
	insmod "$m" 2>/dev/null
done </modules
rootdev() {
	for s in /sys/block/vd*/serial; do
		[ "$(cat "$s" 2>/dev/null)" = drover-lab-root ] && echo "/dev/${s#/sys/block/}" | sed 's,/serial$,,'
	done
}
i=0
while dev=$(rootdev) && [ -z "$dev" ]; do
	i=$((i + 1))
	if [ $i -gt 300 ]; then
		echo "drover initramfs: no disk with serial drover-lab-root" >&2
		exec sh
	fi
	sleep 0.1
done
mkdir -p /newroot
if ! mount -t ext4 -o rw,noatime "$dev" /newroot; then
	echo "drover initramfs: cannot mount $dev" >&2
	exec sh
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
