#!/bin/sh
# A dummy daemon under a tiny supervisor; started, then killed: the pid file is stale.
set -eu
mkdir -p "$SANDBOX/bin" "$SANDBOX/run" "$SANDBOX/log"
cat > "$SANDBOX/bin/shopd" <<'D'
#!/bin/sh
while :; do sleep 1; done
D
cat > "$SANDBOX/bin/svc" <<'D'
#!/bin/sh
S=$(dirname "$(dirname "$(readlink -f "$0")")")
pidf="$S/run/shopd.pid"
alive() {
  [ -f "$pidf" ] || return 1
  st=$(ps -o stat= -p "$(cat "$pidf")" 2>/dev/null) || return 1
  case "$st" in Z*|"") return 1 ;; esac
}
case "${1:-}" in
  start)
    if alive; then echo "shopd already running (pid $(cat "$pidf"))"; exit 0; fi
    setsid nohup sh "$S/bin/shopd" >>"$S/log/shopd.log" 2>&1 </dev/null &
    echo $! > "$pidf"
    echo "shopd started (pid $!)" ;;
  stop)
    if alive; then kill "$(cat "$pidf")"; fi
    rm -f "$pidf"; echo "shopd stopped" ;;
  status)
    if alive; then echo "shopd running (pid $(cat "$pidf"))"; exit 0; fi
    if [ -f "$pidf" ]; then echo "shopd dead but pid file exists"; else echo "shopd stopped"; fi
    exit 3 ;;
  *) echo "usage: svc start|stop|status"; exit 2 ;;
esac
D
chmod +x "$SANDBOX/bin/shopd" "$SANDBOX/bin/svc"
"$SANDBOX/bin/svc" start >/dev/null
sleep 0.2
kill -9 "$(cat "$SANDBOX/run/shopd.pid")"
echo "2024-05-01T03:00:00Z shopd: panic: nil pointer dereference" >> "$SANDBOX/log/shopd.log"
