#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Start to first hop, the command-line client against the Python module (bench/prober_first_hop.py),
# in the namespace lab (line topology, the server on its far end), run as root inside the
# client's namespace. Written into docs/benchmarks.md (prober-first-hop section).
# Usage: sudo bash bench/prober_first_hop.sh BUILD_DIR [RUNS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd) runs=${2:-20}
source "$here/../tests/lab/netlab.sh"
lab_require_root
trap 'lab_stop_server; lab_down' EXIT
lab_up "$here/../tests/lab/topologies/line.topo"
lab_start_server "$build/server/reverse-traceroute-server" r3 || { echo "the server did not start"; exit 1; }
report=$(ip netns exec "$(lab_ns client)" /usr/bin/python3 "$here/prober_first_hop.py" "$build" "$(lab_addr server:4 4)" "$runs") ||
  { echo "$report"; exit 1; }
echo "$report"
python3 "$here/doc_section.py" --code prober-first-hop "The prober service: start to first hop (lab)" \
  "sudo bash bench/prober_first_hop.sh build $runs" <<< "$report"
