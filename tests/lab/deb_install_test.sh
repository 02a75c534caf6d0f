#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The release as a user gets it: scripts/build-release builds the three Debian packages (client,
# server, collector; lintian-clean, or build-release fails), and they install and work here. The
# server package alone brings the server and nothing else (an operator installs only that);
# binaries are stripped with their debug symbols in -dbgsym packages; man pages are compressed;
# each package has its copyright and changelog; --version of all three programs names the
# build's git describe; --endpoints, man, completions, the client's cap_net_raw, systemd-analyze
# verify of the installed units, and a two-way trace through the lab by the installed server
# and the installed client run as an unprivileged user, whose --transmit plugin loads. The
# packages are purged at the end (and the test is skipped if any of them was installed before,
# so that it never replaces an operator's installation).
# Usage: deb_install_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1 build=$2
source "$src/tests/lab/netlab.sh"
lab_require_root
packages=(reverse-traceroute reverse-traceroute-server reverse-traceroute-collector)
python_package=python3-reverse-traceroute  # architecture all: no -dbgsym
for package in "${packages[@]}" "$python_package"; do
  if dpkg-query -W -f='${Status}' "$package" 2> /dev/null | grep "install ok installed" > /dev/null; then
    echo "skipped: the $package package is already installed here; the test would replace it"
    exit 77
  fi
done
installed=false
cleanup() {
  lab_stop_server
  lab_down
  $installed && dpkg --purge "$python_package" "${packages[@]}" > /dev/null 2>&1
}
trap cleanup EXIT

echo "building the release (scripts/build-release)..."
# A fresh output folder: packages of an earlier build there could sort after this build's.
rm -rf "$build/release-dist"
"$src/scripts/build-release" --build-dir "$build/release-package" --output "$build/release-dist" > "$build/release-build.log" 2>&1 \
  || { echo "FAIL: build-release failed:"; tail -20 "$build/release-build.log"; exit 1; }
describe=$(git -C "$src" describe --tags --always --dirty 2> /dev/null || echo unknown)
declare -A deb
for package in "${packages[@]}"; do
  deb[$package]=$(ls "$build"/release-dist/"${package}"_*.deb 2> /dev/null | tail -1)
  checks=$((checks + 2))
  [ -n "${deb[$package]}" ] || { echo "FAIL: no $package package produced"; exit 1; }
  ls "$build"/release-dist/"${package}"-dbgsym_*.*deb > /dev/null 2>&1 || fail "no $package-dbgsym package"
done

# The server alone, as an operator installs it.
dpkg -i "${deb[reverse-traceroute-server]}" > "$build/release-install.log" 2>&1 ||
  { fail "dpkg -i of the server failed: $(tail -5 "$build/release-install.log")"; lab_summary; exit 1; }
installed=true
checks=$((checks + 2))
[ -x /usr/sbin/reverse-traceroute-server ] || fail "the server package has no server"
[ ! -e /usr/bin/reverse-traceroute ] && [ ! -e /usr/sbin/reverse-traceroute-collector ] ||
  fail "the server package brought the client or the collector"
python_deb=$(ls "$build"/release-dist/"${python_package}"_*.deb 2> /dev/null | tail -1)
checks=$((checks + 1))
[ -n "$python_deb" ] || fail "no $python_package package produced"
dpkg -i "${deb[reverse-traceroute]}" "${deb[reverse-traceroute-collector]}" $python_deb >> "$build/release-install.log" 2>&1 ||
  { fail "dpkg -i of the client and collector failed: $(tail -5 "$build/release-install.log")"; lab_summary; exit 1; }

for package in "${packages[@]}"; do
  checks=$((checks + 2))
  [ -f "/usr/share/doc/$package/copyright" ] || fail "$package has no copyright file"
  [ -f "/usr/share/doc/$package/changelog.gz" ] || fail "$package has no compressed changelog"
done
for program in /usr/bin/reverse-traceroute /usr/bin/reverse-traceroute-prober /usr/sbin/reverse-traceroute-server /usr/sbin/reverse-traceroute-collector; do
  checks=$((checks + 1))
  file "$program" | grep ", stripped" > /dev/null || fail "$program is not stripped: $(file "$program")"
done
for program in /usr/bin/reverse-traceroute /usr/bin/reverse-traceroute-prober /usr/sbin/reverse-traceroute-server /usr/sbin/reverse-traceroute-collector; do
  checks=$((checks + 1))
  out=$("$program" --version 2>&1)
  grep -qF "($describe)" <<< "$out" || fail "$program --version: '$out', expected the build's git describe $describe"
done
endpoints=$(/usr/bin/reverse-traceroute --endpoints 2>&1)
while IFS=';' read -r address asn _; do
  checks=$((checks + 1))
  grep -qE "^$address +AS$asn " <<< "$endpoints" || fail "--endpoints lacks $address (AS$asn): $endpoints"
done < <(grep -v '^#' "$src/ENDPOINTS")
for page in reverse-traceroute reverse-traceroute-prober reverse-traceroute-server reverse-traceroute-collector; do
  checks=$((checks + 3))
  man -w "$page" 2> /dev/null | grep '\.gz$' > /dev/null || fail "man cannot find a compressed page for $page"
  [ -f "/usr/share/bash-completion/completions/$page" ] || fail "no bash completion for $page"
  [ -f "/usr/share/zsh/vendor-completions/_$page" ] || fail "no zsh completion for $page"
done
checks=$((checks + 1))
getcap /usr/bin/reverse-traceroute | grep "cap_net_raw[=+]ep" > /dev/null || fail "client lacks cap_net_raw+ep: $(getcap /usr/bin/reverse-traceroute)"
checks=$((checks + 1))
getcap /usr/bin/reverse-traceroute-prober | grep "cap_net_raw[=+]ep" > /dev/null ||
  fail "prober lacks cap_net_raw+ep: $(getcap /usr/bin/reverse-traceroute-prober)"
checks=$((checks + 1))
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no reverse-traceroute@eth0.service reverse-traceroute-v4@eth0.service \
        reverse-traceroute-v6@eth0.service reverse-traceroute-collector.service reverse-traceroute-prober.service 2>&1 |
        grep -v "sys-subsystem-net-devices" || true)
[ -z "$out" ] || fail "systemd-analyze verify of the installed units: $out"
# Issue 26: the operator's first hour. One unit serves both families (no -4/-6; the lab trace
# below runs both through a server started the same way); the environment files the units and
# man pages name exist and are conffiles; the collector's token folder and a first token exist,
# root-only; each package explains itself in README.Debian.
checks=$((checks + 1))
grep -qE '^ExecStart=/usr/sbin/reverse-traceroute-server --stats-interval [0-9]+ \$REVERSE_TRACEROUTE_SERVER_ARGS %I$' \
  /lib/systemd/system/reverse-traceroute@.service || fail "reverse-traceroute@.service does not serve both families"
for conffile in reverse-traceroute-server:/etc/default/reverse-traceroute \
                reverse-traceroute-collector:/etc/default/reverse-traceroute-collector \
                reverse-traceroute:/etc/default/reverse-traceroute-prober; do
  checks=$((checks + 2))
  [ -f "${conffile#*:}" ] || fail "${conffile#*:} is missing"
  dpkg-query -W -f='${Conffiles}' "${conffile%%:*}" | grep " ${conffile#*:} " > /dev/null || fail "${conffile#*:} is not a conffile"
done
# The looking glass: the prober's unit holds cap_net_raw alone and is not started by the
# package; the collector reaches its socket through the group both packages create.
checks=$((checks + 3))
getent group reverse-traceroute-glass > /dev/null || fail "no group reverse-traceroute-glass"
[ ! -e /etc/systemd/system/multi-user.target.wants/reverse-traceroute-prober.service ] ||
  fail "the package enabled reverse-traceroute-prober.service"
grep -qx "CapabilityBoundingSet=CAP_NET_RAW" /lib/systemd/system/reverse-traceroute-prober.service &&
  grep -qx "SupplementaryGroups=reverse-traceroute-glass" /lib/systemd/system/reverse-traceroute-collector.service ||
  fail "the prober and collector units do not separate the privilege as documented"
checks=$((checks + 2))
[ "$(stat -c %a /etc/reverse-traceroute/collector-tokens 2> /dev/null)" = 600 ] ||
  fail "no root-only /etc/reverse-traceroute/collector-tokens: $(ls -l /etc/reverse-traceroute 2>&1)"
grep -qxE '[0-9a-f]{32}' /etc/reverse-traceroute/collector-tokens || fail "the first collector token is not 32 hex digits"
for package in "${packages[@]}"; do
  checks=$((checks + 1))
  ls "/usr/share/doc/$package"/README.Debian* > /dev/null 2>&1 || fail "$package has no README.Debian"
done

# A two-way trace with the installed programs; the client as nobody (cap_net_raw from the file).
lab_up "$src/tests/lab/topologies/line.topo"
lab_start_server /usr/sbin/reverse-traceroute-server r3 || fail "the installed server did not attach"
read -ra forward <<< "$(lab_truth "$src/tests/lab/topologies/line.topo" forward)"
read -ra reverse <<< "$(lab_truth "$src/tests/lab/topologies/line.topo" reverse)"
out=$(ip netns exec "$(lab_ns client)" setpriv --reuid=65534 --regid=65534 --clear-groups \
        /usr/bin/reverse-traceroute -n -w 1 two-way udp singlepath "$(lab_addr server:4 4)" 2>&1); rc=$?
checks=$((checks + 1))
[ $rc -eq 0 ] || fail "installed client as nobody: exit $rc: $out"
for direction in forward reverse; do
  declare -n truth=$direction
  hops=$(awk -v d="$direction" '$1 == d { on = 1; next } /^(forward|reverse) / { on = 0 } on && $1 ~ /^[0-9]+$/ { print $2 }' <<< "$out")
  i=0
  for hop in $hops; do
    checks=$((checks + 1))
    hop_matches "$hop" "${truth[$i]}" 4 || fail "$direction hop $((i + 1)): $hop, expected ${truth[$i]}"
    i=$((i + 1))
  done
  checks=$((checks + 1))
  [ "$i" -eq "${#truth[@]}" ] || fail "$direction: $i hops, expected ${#truth[@]}: $out"
done
# IPv6 through the same server process.
out=$(ip netns exec "$(lab_ns client)" setpriv --reuid=65534 --regid=65534 --clear-groups \
        /usr/bin/reverse-traceroute -n -w 1 two-way udp singlepath "$(lab_addr server:4 6)" 2>&1); rc=$?
checks=$((checks + 1))
[ $rc -eq 0 ] || fail "installed client as nobody over IPv6: exit $rc: $out"
# Issue 27: the installed Python module through the installed prober, as nobody (the capability
# is on the prober, not on Python): trace, probe, stream, traces at once, a refusal.
forward_addresses=() reverse_addresses=()
for hop in "${forward[@]}"; do forward_addresses+=("$(lab_addr "$hop" 4)"); done
for hop in "${reverse[@]}"; do reverse_addresses+=("$(lab_addr "$hop" 4)"); done
out=$(cd /tmp && ip netns exec "$(lab_ns client)" setpriv --reuid=65534 --regid=65534 --clear-groups \
        env PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$src/tests/lab/python_prober_lab.py" "$(lab_addr server:4 4)" \
        "${forward_addresses[*]}" "${reverse_addresses[*]}" 2>&1); rc=$?
checks=$((checks + 1))
[ $rc -eq 0 ] || fail "the installed Python module as nobody: exit $rc: $out"
# The installed --transmit plugin loads (nothing listens on port 9: "could not reach", not "cannot load").
state=$(mktemp -d); chmod 1777 "$state"
out=$(ip netns exec "$(lab_ns client)" setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp XDG_STATE_HOME="$state" \
        /usr/bin/reverse-traceroute -n -w 1 --transmit http://127.0.0.1:9 -y forward udp singlepath "$(lab_addr server:4 4)" 2>&1)
checks=$((checks + 1))
grep -q "not sent: could not reach http://127.0.0.1:9" <<< "$out" || fail "installed --transmit: $out"
checks=$((checks + 1))
[ "$(find "$state" -name '*.json' | wc -l)" -eq 1 ] || fail "installed --transmit: the unsent measurement was not saved"
rm -rf "$state"
lab_stop_server
lab_down

dpkg --purge "$python_package" "${packages[@]}" > /dev/null 2>&1 || fail "dpkg --purge failed"
installed=false
checks=$((checks + 1))
[ ! -e /usr/bin/reverse-traceroute ] && [ ! -e /usr/share/reverse-traceroute/ENDPOINTS ] && [ ! -e /etc/reverse-traceroute ] \
  && [ ! -e /etc/default/reverse-traceroute ] || fail "files left after purge"
lab_summary
