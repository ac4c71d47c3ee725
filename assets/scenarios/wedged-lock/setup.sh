#!/bin/sh
# A job that took the export lock (flock) and hangs; the export refuses to run while it does.
set -eu
mkdir -p "$SANDBOX/bin" "$SANDBOX/run"
printf '#!/bin/sh\nwhile :; do sleep 1; done\n' > "$SANDBOX/bin/stuck-job"
printf '#!/bin/sh\nwhile :; do sleep 1; done\n' > "$SANDBOX/bin/worker"
cat > "$SANDBOX/bin/export" <<'D'
#!/bin/sh
S=$(dirname "$(dirname "$(readlink -f "$0")")")
if flock -n "$S/run/export.lock" true; then echo "export ok"; exit 0; fi
echo "export: lock held: $S/run/export.lock"; exit 1
D
chmod +x "$SANDBOX/bin/"*
touch "$SANDBOX/run/export.lock"
setsid nohup timeout 600 flock "$SANDBOX/run/export.lock" sh "$SANDBOX/bin/stuck-job" >/dev/null 2>&1 </dev/null &
setsid nohup timeout 600 sh "$SANDBOX/bin/worker" >/dev/null 2>&1 </dev/null &
sleep 0.3
! flock -n "$SANDBOX/run/export.lock" true
