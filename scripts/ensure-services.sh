#!/usr/bin/env bash
# Installs the real servers the test suite starts by itself (redis-server).
# The tests start and stop their own instances on free loopback ports.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  else
    echo "redis-server is needed by the test suite; install it with your package manager" >&2
    exit 1
  fi
fi
redis-server --version
