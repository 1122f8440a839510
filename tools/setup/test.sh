#!/usr/bin/env bash
# Builds and runs every test. Needs ../shared (pabulib files) beside the checkout.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/tools/setup/build.sh"
ctest --test-dir "$root/build" --output-on-failure -j"$(nproc)"
