#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A vdpa_sim_blk device bound to virtio_vdpa is a virtio_blk disk: data
# written to it reads back unchanged, the rest stays zero, and a file
# system made on it keeps a file across a remount.

. "$(dirname "$0")/lib.sh"

vdpa_load vdpa_sim_blk virtio_vdpa || fail "loading the modules"
vdpa dev add name tblk0 mgmtdev vdpasim_blk || fail "dev add"
vdpa_bind tblk0 virtio_vdpa || fail "binding tblk0 to virtio_vdpa"
wait_for 10 vdpa_virtio_child tblk0 block || fail "no disk appeared"
disk=$(vdpa_virtio_child tblk0 block)
wait_for 10 test -b /dev/"$disk" || fail "/dev/$disk did not appear"
sectors=$(cat /sys/block/"$disk"/size)
diag "tblk0 -> /dev/$disk, $sectors sectors"
[ "$sectors" = 262144 ] || fail "capacity is $sectors sectors, not 262144"

tmp=$(mktemp -d)
head -c $((4 << 20)) /dev/urandom >"$tmp/data"
dd if="$tmp/data" of=/dev/"$disk" bs=64k seek=16 oflag=direct conv=fsync status=none || fail "write"
dd if=/dev/"$disk" of="$tmp/back" bs=64k skip=16 count=64 iflag=direct status=none || fail "read"
cmp -s "$tmp/data" "$tmp/back" || fail "data read back differs from data written"
dd if=/dev/"$disk" of="$tmp/head" bs=64k count=16 iflag=direct status=none || fail "read head"
cmp -s "$tmp/head" <(head -c $((1 << 20)) /dev/zero) || fail "bytes before the written range are not zero"
dd if=/dev/"$disk" of="$tmp/tail" bs=512 skip=$((sectors - 8)) iflag=direct status=none || fail "read last sectors"
[ "$(stat -c %s "$tmp/tail")" = 4096 ] || fail "short read at the end of the disk"
diag "wrote and read back 4 MiB at offset 1 MiB"

# A file system on the disk keeps a file across a remount.
command -v mkfs.ext4 >/dev/null || fail "mkfs.ext4 (e2fsprogs) is missing"
mkfs.ext4 -q -F /dev/"$disk" || fail "mkfs.ext4"
mkdir "$tmp/mnt"
mount -t ext4 /dev/"$disk" "$tmp/mnt" || fail "mount"
cp "$tmp/data" "$tmp/mnt/file" && sync || fail "writing a file"
umount "$tmp/mnt" || fail "umount"
mount -t ext4 -o ro /dev/"$disk" "$tmp/mnt" || fail "mount again"
cmp -s "$tmp/data" "$tmp/mnt/file" || { umount "$tmp/mnt"; fail "the file differs after a remount"; }
umount "$tmp/mnt" || fail "umount"
diag "ext4: a 4 MiB file survives a remount"
rm -rf "$tmp"

vdpa dev del tblk0 || fail "dev del"
wait_for 10 test ! -e /sys/block/"$disk" || fail "/dev/$disk still present after dev del"
exit $KSFT_PASS
