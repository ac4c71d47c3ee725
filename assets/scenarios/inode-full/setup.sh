#!/bin/sh
# 199 leftover temporary files plus the queue: the spool's 200-file limit is reached.
set -eu
mkdir -p "$SANDBOX/bin" "$SANDBOX/spool"
i=1
while [ $i -le 199 ]; do : > "$SANDBOX/spool/tmp-$i.part"; i=$((i + 1)); done
echo "queue v1" > "$SANDBOX/spool/queue.db"
cat > "$SANDBOX/bin/spool-write" <<'D'
#!/bin/sh
S=$(dirname "$(dirname "$(readlink -f "$0")")")
n=$(find "$S/spool" -type f | wc -l)
if [ "$n" -ge 200 ]; then echo "spool-write: No space left on device (inodes: $n/200)"; exit 1; fi
echo "spool-write ok ($n/200 inodes used)"
D
chmod +x "$SANDBOX/bin/spool-write"
