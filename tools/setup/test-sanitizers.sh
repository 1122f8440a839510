#!/usr/bin/env bash
# Builds Psephos with AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
# (gcc, -O1, asserts on: the `asan` preset of CMakePresets.json, in build-asan/) and
# runs every test there, the crash test included. Any sanitizer report fails the test
# that triggered it. See docs/reliability.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/tools/setup/install-deps.sh"
cd "$root"
cmake --preset asan
cmake --build --preset asan -j"$(nproc)"
echo "test-sanitizers.sh: built in ${SECONDS} s"
# Also set in the asan test preset; exported here for anything run by hand after.
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=report_objects=0:suppressions=$root/tests/support/lsan.supp  # third-party leaks only, each explained there
ctest --preset asan -j"$(nproc)"
