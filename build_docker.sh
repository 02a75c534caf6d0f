#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds reverse-traceroute-server, reverse-traceroute (client), reverse-traceroute-collector and
# the .deb in a Debian bookworm container (Dockerfile), so the host needs only Docker, and copies
# them to a host folder.
# Usage: ./build_docker.sh [-o|--output DIR] [--no-cache]
#   -o, --output DIR   host folder for the binaries and the .deb (default: ./dist)
#   --no-cache         rebuild every container layer
set -euo pipefail
cd "$(dirname "$0")"
output=dist
cache=()
while [ $# -gt 0 ]; do
  case $1 in
    -o|--output) output=${2:?--output needs a folder}; shift 2 ;;
    --no-cache) cache=(--no-cache); shift ;;
    -h|--help) sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build_docker.sh: unknown argument '$1': see ./build_docker.sh --help" >&2; exit 2 ;;
  esac
done
if ! command -v docker > /dev/null; then
  echo "build_docker.sh: docker is not installed: install it, or build on this machine with" \
       "scripts/install-deps && scripts/build-release" >&2
  exit 1
fi
image=reverse-traceroute-build
docker build "${cache[@]}" -t "$image" .
mkdir -p "$output"
container=$(docker create "$image")
trap 'docker rm -f "$container" > /dev/null' EXIT
docker cp "$container:/out/." "$output/"
echo "build_docker.sh: binaries and package in $output"
ls -l "$output"
