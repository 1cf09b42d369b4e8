#!/bin/sh
# Run by mdev (see /etc/mdev.conf) for whole virtio disks: reports disks plugged in or out (QMP
# device_add / device_del of a volume) on the serial console, with the serial number Skyport
# gives them (the volume id).
name=${MDEV:-${DEVPATH##*/}}
case "$ACTION" in
  add) echo "SKYPORT-DISK-ADDED $name serial=$(cat "/sys/block/$name/serial" 2>/dev/null) sectors=$(cat "/sys/block/$name/size" 2>/dev/null)" > /dev/console ;;
  remove) echo "SKYPORT-DISK-REMOVED $name" > /dev/console ;;
esac
exit 0
