#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Prometheus files the README shows (docs/prometheus): the scrape configuration parses, the
# alert rules are valid, and each alert fires on the series it is for and not on healthy ones
# (promtool test rules). Exit 77 (skipped) without promtool (Debian package prometheus).
# Usage: prometheus_examples_test.sh SOURCE_DIR
set -uo pipefail
dir=$1/docs/prometheus
command -v promtool > /dev/null || { echo "skipped: promtool is not installed (Debian package prometheus)"; exit 77; }
status=0
promtool check config --syntax-only "$dir/prometheus.yml" || status=1
promtool check rules "$dir/alerts.yml" || status=1
(cd "$dir" && promtool test rules alerts_test.yml) || status=1
exit $status
