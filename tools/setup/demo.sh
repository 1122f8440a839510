#!/usr/bin/env bash
# The main job: build, then count the example school election with the Method of Equal Shares.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/tools/setup/build.sh"
"$root/build/tools/psephos" tally "$root/examples/roosevelt_high_2026.pb" --rule mes "$@"
