#!/usr/bin/env bash
# Installs rowshift's build dependencies from Debian 12 packages (apt).
#   scripts/install-deps.sh          build + demo needs
#   scripts/install-deps.sh --tests  also what the test suite needs (PostgreSQL included)
set -euo pipefail

packages=(cmake ninja-build g++ pkg-config libsqlite3-dev sqlite3 libsoci-dev libboost-dev libpqxx-dev libpq-dev
          libcli11-dev libfmt-dev nlohmann-json3-dev libgtest-dev libgmock-dev prometheus-cpp-dev)
if [[ "${1:-}" == "--tests" ]]; then
  packages+=(postgresql postgresql-contrib clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
