#!/usr/bin/env bash
# The server's libraries depend only downward (docs/DESIGN.md): no library may
# refer to a symbol defined by a library above it. Arguments: the static
# libraries, lowest first. Exits 1 naming each upward reference.
set -euo pipefail
libs=("$@")
defined() { nm -C --defined-only "$1" | awk '$2 ~ /^[TW]$/ { $1 = ""; $2 = ""; sub(/^  /, ""); print }' | sort -u; }
undefined() { nm -C --undefined-only "$1" | sed 's/^ *U //' | grep 'psephos::' | sort -u || true; }
status=0
for ((low = 0; low < ${#libs[@]}; ++low)); do
  needs=$(undefined "${libs[low]}")
  [[ -z "$needs" ]] && continue
  for ((high = low + 1; high < ${#libs[@]}; ++high)); do
    upward=$(comm -12 <(echo "$needs") <(defined "${libs[high]}"))
    if [[ -n "$upward" ]]; then
      echo "$(basename "${libs[low]}") refers to $(basename "${libs[high]}"), a library above it:" >&2
      echo "$upward" | head -5 | sed 's/^/  /' >&2
      status=1
    fi
  done
done
((status == 0)) && echo "layering: ${#libs[@]} libraries, each refers only to those below it"
exit "$status"
