#!/bin/sh
# A shell that holds 40 MB in a variable (stops by itself after 300 s) and a healthy worker.
set -eu
mkdir -p "$SANDBOX/bin"
printf '#!/bin/sh\nx=$(head -c 40000000 /dev/zero | tr "\\0" x)\nwhile :; do sleep 1; done\n' > "$SANDBOX/bin/mem-hog"
printf '#!/bin/sh\nwhile :; do sleep 1; done\n' > "$SANDBOX/bin/worker"
chmod +x "$SANDBOX/bin/mem-hog" "$SANDBOX/bin/worker"
setsid nohup timeout 300 sh "$SANDBOX/bin/mem-hog" >/dev/null 2>&1 </dev/null &
setsid nohup timeout 600 sh "$SANDBOX/bin/worker" >/dev/null 2>&1 </dev/null &
sleep 0.5
pgrep -f "$SANDBOX/bin/mem-hog" >/dev/null
