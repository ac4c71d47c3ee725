#!/bin/sh
rm -rf "$SANDBOX/var"
exit 0
