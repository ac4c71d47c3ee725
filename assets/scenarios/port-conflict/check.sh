#!/bin/sh
"$SANDBOX/bin/shop-start" || exit 1
grep -q shop "$SANDBOX/www/index.html" 2>/dev/null || { echo "collateral: www/index.html lost"; exit 1; }
