#!/bin/sh
if pgrep -f "$SANDBOX/bin/stuck-job" >/dev/null; then echo "the wedged job still runs"; exit 1; fi
if ! "$SANDBOX/bin/export"; then exit 1; fi
if ! pgrep -f "$SANDBOX/bin/worker" >/dev/null; then echo "collateral: the worker was killed"; exit 1; fi
