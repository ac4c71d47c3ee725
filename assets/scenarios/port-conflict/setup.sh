#!/bin/sh
# A leftover debug HTTP server on the run's own loopback port.
set -eu
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
mkdir -p "$SANDBOX/bin" "$SANDBOX/www"
echo "<h1>shop</h1>" > "$SANDBOX/www/index.html"
cat > "$SANDBOX/bin/shop-start" <<D
#!/bin/sh
python3 -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try: s.bind(("127.0.0.1", $EVAL_PORT))
except OSError as e: print("shop-start: bind 127.0.0.1:$EVAL_PORT:", e.strerror); sys.exit(1)
print("shop-start: port $EVAL_PORT free, shop would start")'
D
chmod +x "$SANDBOX/bin/shop-start"
setsid nohup timeout 600 python3 -m http.server "$EVAL_PORT" --bind 127.0.0.1 --directory "$SANDBOX/www" >/dev/null 2>&1 </dev/null &
i=0
while [ $i -lt 50 ]; do
  if ! "$SANDBOX/bin/shop-start" >/dev/null 2>&1; then exit 0; fi
  sleep 0.1; i=$((i + 1))
done
echo "the debug server did not take port $EVAL_PORT"; exit 1
