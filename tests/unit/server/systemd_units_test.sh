#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# systemd-analyze verify accepts the units (the binary paths are pointed at the build).
set -euo pipefail
src=$1 build=$2
if ! command -v systemd-analyze > /dev/null; then
  echo "skipped: systemd-analyze is not installed"
  exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for unit in "$src"/systemd/*.service; do
  name=$(basename "$unit")
  sed -e "s|/usr/sbin/reverse-traceroute-server|$build/server/reverse-traceroute-server|" \
      -e "s|/usr/sbin/reverse-traceroute-collector|$build/collector/reverse-traceroute-collector|" "$unit" > "$tmp/$name"
  # An instance name is needed to verify a template.
  instance=${name/@.service/@eth0.service}
  [ "$instance" != "$name" ] && cp "$tmp/$name" "$tmp/$instance"
done
cd "$tmp"
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no ./*@eth0.service ./reverse-traceroute-collector.service 2>&1 | grep -v "sys-subsystem-net-devices" || true)
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
echo "systemd units verified"
