#!/bin/sh
rm -rf "$SANDBOX/remote"
exit 0
