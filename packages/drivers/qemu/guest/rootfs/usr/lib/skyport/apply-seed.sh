#!/bin/sh
# Reads the NoCloud seed (an ISO 9660 disk labelled cidata, serial "cidata" when Skyport attaches it):
# meta-data gives instance-id, local-hostname and public-keys; user-data is prepared as
# /run/skyport/user-data.sh when this instance has not applied it yet (once per instance, like cloud-init).
SEED=/run/seed
STATE=/var/lib/skyport
mkdir -p "$SEED" "$STATE"
echo unknown > /run/skyport/instance-id

dev=
for b in /sys/block/*; do
  [ "$(cat "$b/serial" 2>/dev/null)" = cidata ] && dev=/dev/${b##*/}
done
[ -n "$dev" ] || dev=$(findfs LABEL=cidata 2>/dev/null)
if [ -z "$dev" ] || ! mount -t iso9660 -o ro "$dev" "$SEED" 2>/dev/null; then
  echo "skyport: no NoCloud seed found (a disk labelled cidata); booting without one"
  exit 0
fi

# meta-data is the small YAML Skyport writes: "key: value" lines and a public-keys list.
value() { sed -n "s/^$1:[ ]*//p" "$SEED/meta-data" | head -n 1 | tr -d "\"'"; }
id=$(value instance-id)
name=$(value local-hostname)
[ -n "$id" ] && echo "$id" > /run/skyport/instance-id
if [ -n "$name" ]; then
  hostname "$name"
  echo "$name" > /etc/hostname
fi

keys=$(sed -n '/^public-keys:/,/^[^ -]/{s/^[ ]*-[ ]*//p}' "$SEED/meta-data" | tr -d "\"'")
if [ -n "$keys" ]; then
  mkdir -p /root/.ssh
  chmod 700 /root/.ssh
  echo "$keys" > /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
  echo "skyport: installed $(echo "$keys" | wc -l) SSH public key(s) for root: $(echo "$keys" | awk '{print $1, $3}' | tr '\n' ' ')"
fi

data=$SEED/user-data
if [ -s "$data" ] && [ "$(cat "$STATE/user-data-applied" 2>/dev/null)" != "$id" ]; then
  first=$(head -n 1 "$data")
  case "$first" in
    '#!'*)
      cp "$data" /run/skyport/user-data.sh ;;
    '#cloud-config'*)
      { echo '#!/bin/sh'; awk -f /usr/lib/skyport/cloud-config.awk "$data"; } > /run/skyport/user-data.sh ;;
    *)
      echo "skyport: user-data ignored: its first line is neither '#!' (a script) nor '#cloud-config': $first" ;;
  esac
  [ -f /run/skyport/user-data.sh ] && chmod 700 /run/skyport/user-data.sh
fi
umount "$SEED"
exit 0
