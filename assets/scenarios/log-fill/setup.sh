#!/bin/sh
# A 2 MB application log in a directory whose (emulated) quota is 1024 KB.
set -eu
mkdir -p "$SANDBOX/var/log"
head -c 2000000 /dev/zero | tr '\0' 'E' > "$SANDBOX/var/log/app.log"
head -c 1000 /dev/zero | tr '\0' 'o' > "$SANDBOX/var/log/app.log.1"
echo "2024-05-01T03:00:00Z login root" > "$SANDBOX/var/log/audit.log"
