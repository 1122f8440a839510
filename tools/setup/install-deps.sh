#!/usr/bin/env bash
# Installs the Debian 12 packages Psephos builds with. Skips apt when all are present.
set -euo pipefail
packages=(cmake g++ make libgmp-dev nlohmann-json3-dev doctest-dev libboost1.81-dev libssl-dev libsqlite3-dev
          libsqlitecpp-dev
          libvips-dev                    # project pictures: decoded, resized, metadata stripped (server/api/src/images.cc)
          libargon2-dev pkg-config       # organizer passwords: Argon2id, the reference implementation
          libpqxx-dev postgresql         # PostgreSQL storage; the tests start a throwaway cluster
          python3                        # tests/crash/crash_test.py (standard library only)
          haproxy                        # tests/ha/ha_test.py: two nodes behind the balancer (tools/setup/haproxy)
          clang libclang-rt-14-dev)      # tools/setup/fuzz.sh: libFuzzer and clang's sanitizer runtimes
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The browser tests (tests/browser): Debian's chromium; node and npm only where the
# machine has none (one already installed, from Debian or not, is used as it is).
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
