#!/usr/bin/env bash
# Installs everything Tributary needs to build, test and benchmark on Debian 12 (bookworm).
#
#   scripts/install-deps.sh           install what is missing (as root, or through sudo)
#   scripts/install-deps.sh --check   install nothing; exit 0 if all is present, 1 otherwise
#
# Idempotent. When every package is already installed it does not touch apt at all.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  # libraries (see cmake/TributaryDependencies.cmake)
  librdkafka-dev libboost-dev libboost-system-dev rapidjson-dev libyaml-cpp-dev libssl-dev
  libpq-dev libthrift-dev thrift-compiler libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libjemalloc-dev
  # test-time and benchmark tools
  kcat postgresql nginx-light curl ca-certificates wrk
)
# Node.js (for the real Snowplow JavaScript tracker in tests) only when no node is on PATH:
# a node from another source (nodesource, nvm) is fine and brings its own npm.
if ! command -v node >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  "") ;;
  *)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac

# Prints the packages of PACKAGES that are not installed, one per line. One dpkg-query call.
missing_packages() {
  local installed
  installed="$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null |
    awk '$2 == "ii" { print $1 }' || true)"
  local p
  for p in "${PACKAGES[@]}"; do
    grep -qxF "$p" <<<"$installed" || echo "$p"
  done
}

# The official Snowplow Node tracker for tests/snowplow (from the npm registry, project-local
# node_modules, pinned by package-lock.json). Skipped when the locked version is already there.
install_snowplow_tracker() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/snowplow"
  [[ -f "$dir/node_modules/@snowplow/node-tracker/package.json" ]] && return 0
  ((check_only)) && { echo "install-deps: missing: npm packages in $dir" >&2; return 1; }
  command -v npm >/dev/null 2>&1 || return 0  # node comes with the apt packages below
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

mapfile -t missing < <(missing_packages)

if ((${#missing[@]} == 0)); then
  install_snowplow_tracker || exit 1
  ((check_only)) || echo "install-deps: all ${#PACKAGES[@]} packages already installed; nothing to do."
  exit 0
fi
if ((check_only)); then
  echo "install-deps: missing: ${missing[*]}" >&2
  exit 1
fi

if [[ "$(id -u)" == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: missing ${missing[*]}; run this script as root or install sudo." >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q "${missing[@]}"

mapfile -t still_missing < <(missing_packages)
if ((${#still_missing[@]} > 0)); then
  echo "install-deps: still missing after apt-get: ${still_missing[*]}" >&2
  exit 1
fi
echo "install-deps: installed ${missing[*]}"
install_snowplow_tracker
