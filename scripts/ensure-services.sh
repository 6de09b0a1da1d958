#!/usr/bin/env bash
# Installs the real programs the test suite starts by itself, from Debian's
# packages: redis-server (the shared-cache tests), chromium (the HTML report and
# /docs are checked in a real browser through Playwright; `playwright install`
# is never used) and curl (uploads as a pipeline sends them). The tests start and stop their own instances on free loopback ports.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# the service's multipart uploads are tested as pipelines send them: with curl
command -v curl >/dev/null 2>&1 || missing+=(curl)

if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing ${missing[*]} (apt-get)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "the test suite needs ${missing[*]}; install them with your package manager" >&2
    exit 1
  fi
fi
redis-server --version
/usr/bin/chromium --version
