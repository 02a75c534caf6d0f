# SPDX-License-Identifier: MIT
# Builds the release in Debian bookworm from this checkout: a thin wrapper around
# scripts/install-deps --build and scripts/build-release (build_docker.sh runs it and copies the
# result out).
FROM debian:bookworm
WORKDIR /src
COPY . /src
RUN bash scripts/install-deps --build && rm -rf /var/lib/apt/lists/*
RUN bash scripts/build-release --output /out --build-dir /tmp/build-release
