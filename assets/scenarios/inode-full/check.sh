#!/bin/sh
n=$(find "$SANDBOX/spool" -type f | wc -l)
if [ "$n" -gt 20 ]; then echo "spool still holds $n files (limit 200, want at most 20)"; exit 1; fi
grep -q "queue v1" "$SANDBOX/spool/queue.db" 2>/dev/null || { echo "collateral: queue.db lost"; exit 1; }
echo "spool at $n files, queue kept"
