#!/usr/bin/env bash
# Mutation testing of the files that decide what runs without a person: the approval gate,
# the rules matcher and the command classifier. Not part of CI (a full run takes hours on two
# cores); run it after changing src/session/gate.rs, src/session/rules/ or src/policy/ and
# give the score in the change's note (MUTANTS.md keeps the dated table).
#
#   scripts/mutants.sh                      every decision file (slow: ~2 min per mutant)
#   scripts/mutants.sh src/session/gate.rs  these files only
#   scripts/mutants.sh --in-diff [BASE]     only mutants on lines changed since BASE
#                                           (default: origin/main, else main), in the
#                                           decision files
#   scripts/mutants.sh --list [...]         list the mutants (with --in-diff too), build
#                                           nothing
#
# Only the library's unit tests are built and run (`--lib`, filtered to the session and
# policy modules): one test binary per mutant instead of every integration test, so a mutant
# costs one incremental compile. The tests that kill these mutants live there on purpose
# (src/session/gate_tests.rs, src/session/rules/matching_tests.rs,
# src/policy/classify_tests.rs).
#
# The mutants run in a scratch copy of the tree (cargo-mutants --in-place there), whose
# target/ starts as hard links to this tree's target/debug, so dependencies are not rebuilt.
# Environment: MUTANTS_TIMEOUT (test timeout, s; default 120), MUTANTS_BUILD_TIMEOUT (s;
# default 900), MUTANTS_BASELINE (`run`: first check the tests pass unmutated; `skip`),
# MUTANTS_SCRATCH (default target/mutants-scratch), MUTANTS_OUT (default
# target/mutants-out), CARGO_BUILD_JOBS (default 1). Needs cargo-mutants: `cargo install cargo-mutants --locked`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

decision_files=(
  src/session/gate.rs
  src/session/rules/matching.rs
  src/session/rules/examples.rs
  src/session/rules/mod.rs
  src/session/rules/personal.rs
  src/session/rules/personal_text.rs
  src/policy/classify.rs
)

in_diff=""
list=0
base=""
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --in-diff)
      in_diff=1
      if [ $# -gt 1 ] && [ "${2#-}" = "$2" ] && [ ! -f "$2" ]; then
        base=$2
        shift
      fi
      ;;
    --list) list=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*)
      echo "mutants.sh: unknown option $1 (see --help)" >&2
      exit 2
      ;;
    *) files+=("$1") ;;
  esac
  shift
done
[ ${#files[@]} -gt 0 ] || files=("${decision_files[@]}")
for f in "${files[@]}"; do
  [ -f "$f" ] || {
    echo "mutants.sh: no such file: $f" >&2
    exit 2
  }
done

command -v cargo-mutants >/dev/null 2>&1 || {
  echo "mutants.sh: cargo-mutants is not installed: CARGO_BUILD_JOBS=1 cargo install cargo-mutants --locked" >&2
  exit 2
}

file_args=()
for f in "${files[@]}"; do file_args+=(-f "$f"); done
# Build and run the library's unit tests only; run the session and policy ones.
common=(
  "${file_args[@]}"
  --timeout "${MUTANTS_TIMEOUT:-120}"
  --build-timeout "${MUTANTS_BUILD_TIMEOUT:-900}"
  --cargo-arg=--lib
)
test_filter=(-- -- session:: policy::)

diff_args=()
if [ -n "$in_diff" ]; then
  if [ -z "$base" ]; then
    base=$(git rev-parse --verify -q origin/main >/dev/null && echo origin/main || echo main)
  fi
  patch="$root/target/mutants-in-diff.patch"
  mkdir -p "$root/target"
  git diff "$base" -- "${files[@]}" >"$patch"
  if [ ! -s "$patch" ]; then
    echo "mutants.sh: no change to ${files[*]} since $base: nothing to test"
    exit 0
  fi
  diff_args=(--in-diff "$patch")
fi

if [ "$list" = 1 ]; then
  exec cargo mutants --list "${common[@]}" "${diff_args[@]}"
fi

scratch=${MUTANTS_SCRATCH:-$root/target/mutants-scratch}
out=${MUTANTS_OUT:-$root/target/mutants-out}
case "$out" in /*) ;; *) out="$root/$out" ;; esac
rm -rf "$scratch"
mkdir -p "$scratch" "$out"
# The tree as it is now (uncommitted changes included), without target/ and VCS metadata.
tar --exclude=./target --exclude=./.git -cf - . | tar -xf - -C "$scratch"
if [ -d "$root/target/debug" ]; then
  mkdir -p "$scratch/target"
  cp -al "$root/target/debug" "$scratch/target/debug"
  # A hard-linked lock file would be the same lock as this tree's builds: make a fresh one.
  rm -f "$scratch/target/debug/.cargo-lock"
  touch "$scratch/target/debug/.cargo-lock"
  rm -rf "$scratch/target/debug/incremental"
fi

cd "$scratch"
status=0
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo mutants --in-place --baseline "${MUTANTS_BASELINE:-run}" \
  "${common[@]}" "${diff_args[@]}" --output "$out" "${test_filter[@]}" || status=$?
cd "$root"

results="$out/mutants.out"
count() {
  local n=0
  [ -f "$results/$1.txt" ] && n=$(grep -c . "$results/$1.txt" || true)
  echo "${n:-0}"
}
caught=$(count caught)
missed=$(count missed)
timeout=$(count timeout)
unviable=$(count unviable)
viable=$((caught + missed + timeout))
echo
echo "$(date -u +%F) files: ${files[*]}"
# A mutant whose tests hang past the timeout did not pass them: it counts as caught here.
echo "caught $((caught + timeout)) / viable $viable ($timeout of them by a timeout), unviable $unviable"
if [ "$missed" -gt 0 ]; then
  echo "missed:"
  sed 's/^/  /' "$results/missed.txt"
fi
echo "full results: $results"
# cargo-mutants exits 2 when mutants were missed, 3 on timeouts: pass that on.
exit $status
