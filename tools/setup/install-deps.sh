#!/usr/bin/env bash
# Installs the Debian 12 packages Psephos builds with. Skips apt when all are present.
set -euo pipefail
packages=(cmake g++ make libgmp-dev nlohmann-json3-dev doctest-dev libboost1.81-dev libssl-dev libsqlite3-dev
          libsqlitecpp-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
