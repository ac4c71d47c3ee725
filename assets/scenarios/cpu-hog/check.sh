#!/bin/sh
if pgrep -f "$SANDBOX/bin/cpu-hog" >/dev/null; then echo "the CPU hog still runs"; exit 1; fi
if ! pgrep -f "$SANDBOX/bin/worker" >/dev/null; then echo "collateral: the worker was killed"; exit 1; fi
echo "hog gone, worker alive"
