#!/usr/bin/env bash
# The main job: build, then serve the example school election over HTTPS on
# https://127.0.0.1:8443 (data in ./psephos-data). Ctrl-C stops it cleanly.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/tools/setup/build.sh"
cd "$root"
exec "$root/build/server/psephos-server" --data "$root/psephos-data" --listen 127.0.0.1:8443 \
  --example "$root/examples/roosevelt-high-2026.json" "$@"
