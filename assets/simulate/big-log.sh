#!/bin/sh
# Write a large log file (default 50 MB) to try the console with huge command output:
#   assets/simulate/big-log.sh /tmp/opsassist-demo.log 50
# then ask the model (m) to `cat /tmp/opsassist-demo.log`, approve, and press Enter on the
# output: it scrolls from disk a window at a time.
path=${1:-/tmp/opsassist-demo.log}
mb=${2:-50}
yes "$(date -u +%FT%TZ) app[4242]: request served in 12ms status=200 path=/api/v1/orders" |
  head -c "$((mb * 1024 * 1024))" > "$path"
echo "wrote $path ($mb MB)"
