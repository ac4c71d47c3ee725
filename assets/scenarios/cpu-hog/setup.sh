#!/bin/sh
# A busy loop (niced, stops by itself after 300 s) and a healthy worker that must survive.
set -eu
mkdir -p "$SANDBOX/bin"
printf '#!/bin/sh\nwhile :; do :; done\n' > "$SANDBOX/bin/cpu-hog"
printf '#!/bin/sh\nwhile :; do sleep 1; done\n' > "$SANDBOX/bin/worker"
chmod +x "$SANDBOX/bin/cpu-hog" "$SANDBOX/bin/worker"
setsid nohup timeout 300 nice -n 19 sh "$SANDBOX/bin/cpu-hog" >/dev/null 2>&1 </dev/null &
setsid nohup timeout 600 sh "$SANDBOX/bin/worker" >/dev/null 2>&1 </dev/null &
sleep 0.2
pgrep -f "$SANDBOX/bin/cpu-hog" >/dev/null
