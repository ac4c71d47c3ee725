#!/bin/sh
"$SANDBOX/bin/app-check" || exit 1
grep -qx 'port=8080' "$SANDBOX/etc/app.conf" || { echo "port is not 8080"; exit 1; }
grep -qx 'name=shop' "$SANDBOX/etc/app.conf" || { echo "collateral: name lost"; exit 1; }
grep -qx 'workers=4' "$SANDBOX/etc/app.conf" || { echo "collateral: workers lost"; exit 1; }
