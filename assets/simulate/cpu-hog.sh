#!/bin/sh
# A real, harmless problem to investigate with opsassist: one busy process for N seconds
# (default 600), named so it is easy to find (`pgrep -f opsassist-demo-hog`).
#   assets/simulate/cpu-hog.sh [SECONDS] &
#   opsassist tui --alert assets/alerts/local-cpu-hog.json
# It stops by itself after SECONDS.
secs=${1:-600}
exec timeout "$secs" sh -c 'while :; do :; done' opsassist-demo-hog
