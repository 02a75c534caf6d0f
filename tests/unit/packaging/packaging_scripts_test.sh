#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The packaging entry points answer bad input with one sentence, and the Dockerfile stays a thin
# wrapper around scripts/install-deps and scripts/build-release (the build itself is tested by
# lab.deb_install; Docker is not available on our machines).
# Usage: packaging_scripts_test.sh SOURCE_DIR
set -uo pipefail
src=$1
failures=0 checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
one_sentence() {  # one_sentence WANT_RC PATTERN COMMAND...
  local want=$1 pattern=$2 out rc; shift 2
  checks=$((checks + 1))
  out=$("$@" 2>&1); rc=$?
  [ $rc -eq "$want" ] && grep -q -- "$pattern" <<< "$out" && [ "$(wc -l <<< "$out")" -eq 1 ] \
    || fail "$*: rc $rc, '$out' (expected $want, /$pattern/)"
}
one_sentence 2 "unknown argument '--bogus'" bash "$src/scripts/build-release" --bogus
one_sentence 2 "unknown argument '--bogus'" bash "$src/build_docker.sh" --bogus
if ! command -v docker > /dev/null; then
  one_sentence 1 "docker is not installed" bash "$src/build_docker.sh"
fi
checks=$((checks + 1))
[ "$(grep -c '^RUN' "$src/Dockerfile")" -eq 2 ] && grep -q '^RUN bash scripts/install-deps --build' "$src/Dockerfile" \
  && grep -q '^RUN bash scripts/build-release' "$src/Dockerfile" || fail "the Dockerfile does more than run the two scripts"
checks=$((checks + 1))
bash "$src/scripts/build-release" --help | grep -- "--output DIR" > /dev/null || fail "build-release --help"
echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
