#!/usr/bin/env bash
# Builds and runs every test. Needs ../shared (pabulib files) beside the checkout.
# Then the same tests under ASan/LSan/UBSan (build-asan/), each fuzz target's seed
# corpus among them; the libFuzzer search is tools/setup/fuzz.sh (docs/reliability.md).
# Each stage runs even when an earlier one failed; the exit status is non-zero if any failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/tools/setup/build.sh"
# The browser tests' node packages (playwright-core and QR decoding, pinned by
# tests/browser/package-lock.json); chromium itself comes from Debian.
(cd "$root/tests/browser" && npm ci --no-audit --no-fund)
echo "test.sh: built in ${SECONDS} s"
failed=()
stage() {  # stage NAME COMMAND...: runs it, prints its seconds (the budget is ~30 min in all)
  local name=$1 start=$SECONDS
  shift
  "$@" || failed+=("$name")
  echo "test.sh: $name took $((SECONDS - start)) s"
}
stage tests ctest --test-dir "$root/build" --output-on-failure -j"$(nproc)"
stage sanitizers bash "$root/tools/setup/test-sanitizers.sh"
if ((${#failed[@]})); then
  echo "test.sh: FAILED: ${failed[*]} (after ${SECONDS} s)" >&2
  exit 1
fi
echo "test.sh: every stage passed (tests, sanitizers) in ${SECONDS} s"
