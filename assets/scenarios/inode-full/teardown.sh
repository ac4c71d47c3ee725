#!/bin/sh
rm -rf "$SANDBOX/spool"
exit 0
