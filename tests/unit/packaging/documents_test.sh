#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The generated man pages and completions (cmake/Documents.cmake) against the programs:
# every option `--help` lists is in the man page and in both completions; the built files are
# what the binaries print now (no stale copy); groff renders the pages without a warning; the
# bash completion offers the right words in context (directions, protocols, engines, option
# values, subcommand options); zsh loads the zsh completion.
# Usage: documents_test.sh BUILD_DIR
set -uo pipefail
build=$1
docs="$build/documents"
failures=0 checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

declare -A binaries=([reverse-traceroute]=client [reverse-traceroute-server]=server
                     [reverse-traceroute-collector]=collector)
declare -A sections=([reverse-traceroute]=1 [reverse-traceroute-server]=8 [reverse-traceroute-collector]=8)
for name in "${!binaries[@]}"; do
  bin="$build/${binaries[$name]}/$name"
  page="$docs/man/$name.${sections[$name]}"
  # Options from --help (and the subcommands' help): "-x, --long" words at the start of a line.
  help=$("$bin" --help; [ "$name" = reverse-traceroute ] && "$bin" two-way udp singlepath --help && "$bin" two-way udp multipath --help && "$bin" campaign --help)
  options=$(grep -oE '^  +(-[A-Za-z0-9],)?(-[A-Za-z0-9]|--[a-z0-9-]+)(,--?[a-z0-9-]+)*' <<< "$help" | tr ',' '\n' | tr -d ' ' | sort -u)
  [ -n "$options" ] || fail "$name: no options found in --help"
  rendered=$(MANWIDTH=200 man -l "$page" 2> /dev/null)
  for option in $options; do
    checks=$((checks + 3))
    grep -qF -- "$option" <<< "$rendered" || fail "$name: man page lacks $option"
    grep -qE -- "(^|[ \"])$option( |\"|$)" "$docs/bash-completion/$name" || fail "$name: bash completion lacks $option"
    grep -qF -- "$option" "$docs/zsh-completion/_$name" || fail "$name: zsh completion lacks $option"
  done
  checks=$((checks + 4))
  warnings=$(groff -man -ww -z "$page" 2>&1); [ -z "$warnings" ] || fail "$name: groff warns: $warnings"
  cmp -s <("$bin" --completion bash) "$docs/bash-completion/$name" || fail "$name: built bash completion is stale"
  cmp -s <("$bin" --completion zsh) "$docs/zsh-completion/_$name" || fail "$name: built zsh completion is stale"
  "$bin" --man | cmp -s - <(head -n "$("$bin" --man | wc -l)" "$page") || fail "$name: built man page is stale"
  checks=$((checks + 1))
  "$bin" --completion fish > /dev/null 2>&1 && fail "$name: --completion fish accepted"
  if command -v zsh > /dev/null; then
    checks=$((checks + 2))
    out=$(zsh -n "$docs/zsh-completion/_$name" 2>&1) || fail "$name: zsh completion syntax: $out"
    out=$(zsh -f -c "fpath=($docs/zsh-completion \$fpath); autoload -Uz compinit; compinit -u -D; print -r -- \${_comps[$name]}" 2>&1)
    [ "$out" = "_$name" ] || fail "$name: compinit did not register the zsh completion: $out"
  else
    echo "skipped part: zsh is not installed, the zsh completion was only checked for options"
  fi
done

# complete WORDS...: what the bash completion offers for the last word (may be empty).
complete_words() {
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _reverse_traceroute
    [ ${#COMPREPLY[@]} -gt 0 ] && printf "%s\n" "${COMPREPLY[@]}"' _ "$docs/bash-completion/reverse-traceroute" reverse-traceroute "$@" | sort | tr '\n' ' '
}
expect_completion() {  # expect_completion "EXPECTED" WORDS...
  local want=$1 got; shift
  checks=$((checks + 1))
  got=$(complete_words "$@")
  [ "$got" = "$want" ] || fail "completing '$*': got '$got', expected '$want'"
}
expect_completion "campaign forward reverse two-way " ""
expect_completion "two-way " tw
expect_completion "icmp tcp udp " two-way ""
expect_completion "multipath singlepath " -n two-way udp ""
expect_completion "multipath singlepath " -m 20 two-way udp ""
expect_completion "multipath singlepath " --transmit two-way udp ""
expect_completion "dot geojson gif jpg pdf png ps svg " --format ""
expect_completion "--first-flow --first-ttl " two-way udp multipath --first
expect_completion "--first-ttl " two-way udp singlepath --first
expect_completion "--flow " two-way udp singlepath --fl
expect_completion "" --max-ttl ""
expect_completion "debug error info warning " -l ""
# Issue 16: an engine's options only with that engine; a URL's colons (bash splits words there)
# do not shift the words after it; -i offers interface names.
expect_completion "--confidence " two-way udp multipath --confide
expect_completion "" two-way udp singlepath --confide
expect_completion "--flow " two-way udp singlepath --fl
expect_completion "" multipath --fl
expect_completion "--flow " --confi --fl
expect_completion "icmp tcp udp " --transmit http : //collector.example : 8080/ two-way ""
expect_completion "multipath singlepath " --transmit https : //[2001 : db8: : 1] : 443/ two-way udp ""
expect_completion "lo " -i l
# The campaign's own options, values and list file once its word comes first, and only then.
expect_completion "--per-prefix --pps --protocol " campaign --p
expect_completion "" two-way udp multipath --per-pr
expect_completion "forward reverse two-way " campaign --direction ""
expect_completion "multipath singlepath " campaign -o out.jsonl --engine ""
expect_completion "--simulate --simulate-host " campaign --simulate
if command -v zsh > /dev/null; then
  zsh_file="$docs/zsh-completion/_reverse-traceroute"
  checks=$((checks + 2))
  grep -q "'1:direction:(forward reverse two-way campaign)'" "$zsh_file" && grep -q "'4:target:_hosts'" "$zsh_file" ||
    fail "zsh completion: positional words are not named"
  grep -q "words\[(I)multipath\]" "$zsh_file" && ! grep -B2 -A200 "local -a specs=(" "$zsh_file" | sed -n '1,/^  )/p' | grep -- "--confidence" > /dev/null ||
    fail "zsh completion: multipath options are offered before the engine is named"
  # The campaign's completion, as zsh runs it: its function after the word, its options offered.
  checks=$((checks + 1))
  grep -q "words\[2\]} == campaign" "$zsh_file" && grep -q "_reverse_traceroute_campaign() {" "$zsh_file" &&
    grep -q "'--per-prefix=\[" "$zsh_file" || fail "zsh completion: no hand-over to the campaign's options"
fi

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
