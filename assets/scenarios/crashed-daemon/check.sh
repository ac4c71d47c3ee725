#!/bin/sh
if ! "$SANDBOX/bin/svc" status; then echo "shopd is not running"; exit 1; fi
