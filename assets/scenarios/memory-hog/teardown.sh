#!/bin/sh
pkill -9 -f "$SANDBOX/" || true
exit 0
