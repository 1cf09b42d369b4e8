#!/bin/sh
# Builds the skyport-tiny guest from Debian packages only: the cloud kernel
# (linux-image-cloud-amd64) and busybox-static, fetched with `apt-get download`.
#
#   build-guest.sh --print-inputs   prints the resolved packages and versions (the cache key's inputs)
#   build-guest.sh OUT_DIR          writes OUT_DIR/{vmlinuz,initrd.img,disk.qcow2,manifest.json}
#
# Environment: SKYPORT_GUEST_DEB_CACHE (where .deb files are kept between builds; default OUT_DIR/../debs),
# SKYPORT_GUEST_KERNEL_FLAVOUR (default cloud-amd64), SKYPORT_GUEST_DISK_MB (default 512).
# Needs: apt-get, apt-cache, dpkg-deb, mkfs.ext4 (e2fsprogs), qemu-img (qemu-utils), gzip,
# grub-mkimage and /usr/lib/grub/i386-pc (grub-pc-bin; only files, it installs no bootloader here).
# No loop mounts and no root rights: the filesystem is made with `mkfs.ext4 -d` and the disk
# (MBR, GRUB, one partition) is assembled with dd.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
FLAVOUR=${SKYPORT_GUEST_KERNEL_FLAVOUR:-cloud-amd64}
DISK_MB=${SKYPORT_GUEST_DISK_MB:-512}

fail() { echo "build-guest: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || fail "$1 is missing; install it: apt-get install -y --no-install-recommends $2"; }

need apt-get apt
need dpkg-deb dpkg
need mkfs.ext4 e2fsprogs
need qemu-img qemu-utils
need gzip gzip
need grub-mkimage grub-pc-bin
GRUB_DIR=/usr/lib/grub/i386-pc
[ -f "$GRUB_DIR/boot.img" ] || fail "$GRUB_DIR/boot.img is missing; install it: apt-get install -y --no-install-recommends grub-pc-bin"
# The kernel arguments of a firmware boot; the driver's direct kernel boot uses the same (guest-build.ts).
APPEND="quiet panic=-1 cryptomgr.notests skyport.root=/dev/vda1"

# The meta package names the current kernel ABI (e.g. linux-image-6.1.0-56-cloud-amd64).
KPKG=$(apt-cache depends "linux-image-$FLAVOUR" 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
[ -n "$KPKG" ] || fail "apt knows no package linux-image-$FLAVOUR; run apt-get update (the package lists may be missing)"
version_of() { apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1; }
KVERSION=$(version_of "$KPKG")
BBVERSION=$(version_of busybox-static)
[ -n "$KVERSION" ] && [ -n "$BBVERSION" ] || fail "apt cannot resolve $KPKG or busybox-static; run apt-get update"

if [ "${1:-}" = "--print-inputs" ]; then
  echo "kernel=$KPKG=$KVERSION"
  echo "busybox=busybox-static=$BBVERSION"
  echo "disk-mb=$DISK_MB"
  echo "grub=$(grub-mkimage --version 2>/dev/null | head -n 1)"
  exit 0
fi

OUT=${1:?usage: build-guest.sh OUT_DIR | --print-inputs}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
DEBS=${SKYPORT_GUEST_DEB_CACHE:-$OUT/../debs}
mkdir -p "$DEBS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/skyport-guest-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

# Download (or reuse) exactly the resolved versions.
fetch() {
  pkg=$1; version=$2
  file=$(ls "$DEBS/${pkg}_"*.deb 2>/dev/null | grep -F "$(echo "$version" | sed 's/:/%3a/')" | head -n 1 || true)
  if [ -z "$file" ]; then
    (cd "$WORK" && apt-get download "$pkg=$version" >"$WORK/apt.log" 2>&1) || fail "apt-get download $pkg=$version failed: $(tail -n 3 "$WORK/apt.log")"
    mv "$WORK/${pkg}_"*.deb "$DEBS/"
    file=$(ls "$DEBS/${pkg}_"*.deb | grep -F "$(echo "$version" | sed 's/:/%3a/')" | head -n 1)
  fi
  echo "$file"
}
KDEB=$(fetch "$KPKG" "$KVERSION")
BBDEB=$(fetch busybox-static "$BBVERSION")
dpkg-deb -x "$KDEB" "$WORK/kernel"
dpkg-deb -x "$BBDEB" "$WORK/busybox"
KVER=${KPKG#linux-image-}
BUSYBOX=$WORK/busybox/bin/busybox
MODULES=$WORK/kernel/lib/modules/$KVER/kernel
[ -f "$WORK/kernel/boot/vmlinuz-$KVER" ] || fail "$KDEB holds no boot/vmlinuz-$KVER"
cp "$WORK/kernel/boot/vmlinuz-$KVER" "$WORK/vmlinuz"

# ---- initramfs: busybox, the modules needed to find the root disk, the seed and the network,
# and an /init that mounts the root disk and switches to it.
R=$WORK/initramfs
mkdir -p "$R/bin" "$R/lib/modules" "$R/proc" "$R/sys" "$R/dev" "$R/newroot"
cp "$BUSYBOX" "$R/bin/busybox"
cp "$HERE/initramfs/init" "$R/init"
chmod 755 "$R/init"
# Each module after the modules it depends on (read from the .ko's own "depends=" field, since the
# package ships no modules.dep); a module missing from this flavour is built in and skipped.
ORDER=" "
add_module() {  # $1 = module name; positional parameters are the only locals sh has, hence set --
  case "$ORDER" in *" $1 "*) return 0 ;; esac
  set -- "$1" "$(find "$MODULES" -name "$1.ko" | head -n 1)"
  [ -n "$2" ] || return 0
  for dep in $(grep -a -o 'depends=[a-z0-9_,-]*' "$2" | head -n 1 | sed 's/^depends=//' | tr ',' ' '); do add_module "$dep"; done
  cp "$2" "$R/lib/modules/"
  ORDER="$ORDER$1 "
}
for m in virtio_pci virtio_blk virtio_net isofs button evdev; do add_module "$m"; done
echo "$ORDER" > "$R/lib/modules/order"
(cd "$R" && find . | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null | gzip -6 > "$WORK/initrd.img")

# ---- root disk: one MBR partition (ext4) holding busybox with its applet links, busybox init,
# the boot scripts, and /boot (kernel, initramfs, GRUB's config), so the disk also boots by
# itself through the firmware, e.g. once exported as an OVA and imported again.
D=$WORK/rootfs
mkdir -p "$D"
cp -R "$HERE/rootfs/." "$D/"
mkdir -p "$D/bin" "$D/sbin" "$D/usr/bin" "$D/usr/sbin" "$D/proc" "$D/sys" "$D/dev" "$D/run" "$D/tmp" \
         "$D/root" "$D/var/lib/skyport" "$D/var/log" "$D/mnt"
cp "$BUSYBOX" "$D/bin/busybox"
for applet in $("$BUSYBOX" --list-full); do
  [ "$applet" = bin/busybox ] || [ -e "$D/$applet" ] || ln -s /bin/busybox "$D/$applet"
done
chmod 700 "$D/root"
chmod 1777 "$D/tmp"
chmod 755 "$D/etc/init.d/rcS" "$D/etc/init.d/rcK" "$D/etc/acpi/PWRF/00000080" "$D/usr/lib/skyport/"*.sh "$D/var/www/cgi-bin/"*
printf 'NAME=skyport-tiny\nID=skyport-tiny\nKERNEL=%s\nBUSYBOX=%s\n' "$KVERSION" "$BBVERSION" > "$D/etc/os-release"
mkdir -p "$D/boot/grub"
cp "$WORK/vmlinuz" "$D/boot/vmlinuz"
cp "$WORK/initrd.img" "$D/boot/initrd.img"
printf 'set timeout=0\nlinux /boot/vmlinuz console=ttyS0 %s\ninitrd /boot/initrd.img\nboot\n' "$APPEND" > "$D/boot/grub/grub.cfg"
PART_SECTORS=$(( (DISK_MB - 1) * 2048 ))
truncate -s "$((DISK_MB - 1))M" "$WORK/part.raw"
mkfs.ext4 -q -F -L skyport-root -E lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0 -d "$D" "$WORK/part.raw"
truncate -s "${DISK_MB}M" "$WORK/disk.raw"
dd if="$WORK/part.raw" of="$WORK/disk.raw" bs=1M seek=1 conv=notrunc 2>/dev/null
rm "$WORK/part.raw"
# MBR: GRUB's boot code (440 bytes), then partition 1 (bootable, Linux, LBA 2048..end), then 55 AA.
# GRUB's core image goes in the gap before the partition, at sector 1, where boot.img looks for it.
dd if="$GRUB_DIR/boot.img" of="$WORK/disk.raw" bs=440 count=1 conv=notrunc 2>/dev/null
byte() { printf "\\$(printf %03o "$1")"; }
le32() { byte $(($1 & 255)); byte $((($1 >> 8) & 255)); byte $((($1 >> 16) & 255)); byte $((($1 >> 24) & 255)); }
{ byte 128; byte 0; byte 0; byte 0; byte 131; byte 0; byte 0; byte 0; le32 2048; le32 "$PART_SECTORS"; } | dd of="$WORK/disk.raw" bs=1 seek=446 conv=notrunc 2>/dev/null
{ byte 85; byte 170; } | dd of="$WORK/disk.raw" bs=1 seek=510 conv=notrunc 2>/dev/null
grub-mkimage -O i386-pc -d "$GRUB_DIR" -o "$WORK/core.img" -p '(hd0,msdos1)/boot/grub' biosdisk part_msdos ext2 linux normal configfile
[ "$(stat -c %s "$WORK/core.img")" -lt $((2047 * 512)) ] || fail "GRUB's core image does not fit before the partition"
dd if="$WORK/core.img" of="$WORK/disk.raw" bs=512 seek=1 conv=notrunc 2>/dev/null
qemu-img convert -f raw -O qcow2 "$WORK/disk.raw" "$WORK/disk.qcow2"

# Publish the artifacts only when all of them exist.
mv "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/disk.qcow2" "$OUT/"
cat > "$OUT/manifest.json" <<EOF
{"kernelPackage":"$KPKG","kernelVersion":"$KVERSION","busyboxVersion":"$BBVERSION","modules":"$(echo $ORDER)","diskMiB":$DISK_MB,"append":"$APPEND","builtAt":"$(date -u +%Y-%m-%dT%H:%M:%SZ)"}
EOF
echo "build-guest: built skyport-tiny from $KPKG $KVERSION and busybox-static $BBVERSION into $OUT"
