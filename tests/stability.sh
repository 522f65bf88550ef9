#!/usr/bin/env bash
# The default test suite, run as a user would, ten times: five times in random order (each with
# its own seed, by pytest-randomly) and five times while a CPU hog keeps every core busy. A test
# that depends on the order, the timing or the load of the machine fails one of these runs.
#
#   bash tests/stability.sh            # from the repository root, after the README's test set-up
#   RUNS=2 bash tests/stability.sh     # fewer runs of each kind
#
# It prints one line per run and exits non-zero if any run failed; each run's log is kept in
# $LOGS (a temporary folder unless set). pytest-randomly is installed for the run and removed
# again at the end, so that the ordinary test run keeps its order.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
RUNS=${RUNS:-5}
LOGS=${LOGS:-$(mktemp -d)}
failed=0

"$PYTHON" -m pip install -q 'pytest-randomly >= 3.15' || exit 2
hogs=()
cleanup() {
    for pid in "${hogs[@]}"; do kill "$pid" 2> /dev/null; done
    "$PYTHON" -m pip uninstall -q -y pytest-randomly
}
trap cleanup EXIT

run() {  # name, then pytest's arguments
    local name=$1 started=$SECONDS
    shift
    if "$PYTHON" -m pytest -q -p no:cacheprovider "$@" > "$LOGS/$name.log" 2>&1; then
        echo "$name: passed in $((SECONDS - started)) s ($(tail -1 "$LOGS/$name.log"))"
    else
        echo "$name: FAILED in $((SECONDS - started)) s, see $LOGS/$name.log"
        grep -E '^(FAILED|ERROR) ' "$LOGS/$name.log" | head -20
        failed=1
    fi
}

for n in $(seq 1 "$RUNS"); do
    run "random-order-$n" --randomly-seed="$((RANDOM * 32768 + RANDOM))"
done

for _ in $(seq 1 "$(nproc)"); do
    "$PYTHON" -c 'while True: pass' &
    hogs+=($!)
done
for n in $(seq 1 "$RUNS"); do
    run "under-load-$n" -p no:randomly
done
exit $failed
