#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan, the `fuzz`
# preset of CMakePresets.json, in build-fuzz/) and runs each for SECONDS seconds.
#
#   tools/setup/fuzz.sh [SECONDS] [TARGET...]     SECONDS defaults to 20; targets:
#                                                 pabulib_fuzz process_json_fuzz http_request_fuzz
#   FUZZ_SEED=N   fixed libFuzzer seed (tools/setup/test.sh uses 1: the same inputs every run)
#   FUZZ_FRESH=1  start from the seed corpus only (else build-fuzz/corpus/TARGET grows run to run)
#   FUZZ_KEEP_GOING=1  long runs: fuzz in a child process (-fork=1) and go on after a crash,
#                 keeping every crashing input; the run still fails if there was one
#
# Exits non-zero when a target crashes, leaks, times out (25 s per input) or hits
# undefined behaviour; the input that did it is in build-fuzz/artifacts/. Replay one
# with build-fuzz/tests/fuzz/TARGET FILE. Figures go to build-fuzz/fuzz-summary.txt.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-20}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
((${#targets[@]})) || targets=(pabulib_fuzz process_json_fuzz http_request_fuzz)

bash "$root/tools/setup/install-deps.sh"
cd "$root"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)"
echo "fuzz.sh: built in ${SECONDS} s"

out="$root/build-fuzz"
mkdir -p "$out/artifacts"
summary="$out/fuzz-summary.txt"
: >"$summary"
status=0
for target in "${targets[@]}"; do
  fuzz_dir="$root/tests/fuzz"
  case "$target" in
    pabulib_fuzz) seeds=("$fuzz_dir/corpus/pabulib_fuzz" "$root/tests/data/pabulib" "$root/tests/data/cli")
                  dict=pabulib.dict ;;
    process_json_fuzz) seeds=("$fuzz_dir/corpus/process_json_fuzz"); dict=json.dict ;;
    http_request_fuzz) seeds=("$fuzz_dir/corpus/http_request_fuzz"); dict=http.dict ;;
    *) echo "fuzz.sh: unknown target $target" >&2; exit 2 ;;
  esac
  corpus="$out/corpus/$target"
  [[ "${FUZZ_FRESH:-0}" == 1 ]] && rm -rf "$corpus"
  mkdir -p "$corpus"
  log="$out/$target.log"
  echo "== $target: ${seconds} s${FUZZ_SEED:+, seed $FUZZ_SEED} (log: $log)"
  args=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -max_len=1048576 -print_final_stats=1
        -dict="$fuzz_dir/$dict" -artifact_prefix="$out/artifacts/$target-")
  [[ -n "${FUZZ_SEED:-}" ]] && args+=(-seed="$FUZZ_SEED")
  [[ "${FUZZ_KEEP_GOING:-0}" == 1 ]] && args+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  rc=0
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$out/tests/fuzz/$target" "${args[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  if [[ "${FUZZ_KEEP_GOING:-0}" == 1 ]]; then
    # Fork mode: "#N: cov: C ft: F corp: K exec/s S oom/timeout/crash: a/b/c time: Ts ..."
    last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
    runs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
    speed=$(sed -nE 's/.*exec\/s ([0-9]+).*/\1/p' <<<"$last")
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' <<<"$last" || true)
    failures=$(sed -nE 's/.*oom\/timeout\/crash: ([0-9]+\/[0-9]+\/[0-9]+).*/\1/p' <<<"$last")
    memory="fork mode"
    [[ -n "$failures" && "$failures" != "0/0/0" ]] && rc=1
    cov="$cov, oom/timeout/crash ${failures:-?}"
  else
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    memory="peak RSS ${rss:-?} MB"
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 || true)
  fi
  line="$target: ${seconds} s, ${runs:-?} executions (${speed:-?}/s), ${cov:-no coverage line}, $memory"
  if ((rc != 0)); then
    line="$line: FAILED (exit $rc)"
    status=1
    grep -E -A40 '^==[0-9]+==ERROR|runtime error|deadly signal|SUMMARY|^[a-z_]+_fuzz: ' "$log" | head -80 || true
    ls -1 "$out/artifacts/$target-"* 2>/dev/null || true
  fi
  echo "$line" | tee -a "$summary"
done
exit "$status"
