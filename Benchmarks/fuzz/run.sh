#!/usr/bin/env bash
# Longer fuzz runs of every target of `twinlog fuzz`, each in a process of its own: inputs tried,
# accepted and rejected per target, and any crash. A crash leaves the input that caused it in
# .twinlog/fuzz/crash-TARGET-SEED.bin (replay it with `twinlog fuzz TARGET --replay FILE`); turn
# each finding into a regression test (Tests/FuzzTests/FuzzFindingTests.swift) once it is fixed.
#
#     swift build -c release --product twinlog
#     Benchmarks/fuzz/run.sh [SECONDS_PER_TARGET] [SEED]      # defaults: 60 s, seed 1
#
# TWINLOG_BIN picks another binary (default .build/release/twinlog). Exit status 1 when any target
# crashed or hung.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${TWINLOG_BIN:-$ROOT/.build/release/twinlog}
SECONDS_PER_TARGET=${1:-60}
SEED=${2:-1}
if [[ ! -x "$BIN" ]]; then
    echo "no twinlog binary at $BIN: run swift build -c release --product twinlog (or set TWINLOG_BIN)" >&2
    exit 2
fi
# From the root, so crash files land in the repository's .twinlog/fuzz.
cd "$ROOT"
echo "twinlog fuzz all --seconds $SECONDS_PER_TARGET --seed $SEED  ($(uname -m), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
exec "$BIN" fuzz all --seconds "$SECONDS_PER_TARGET" --seed "$SEED"
