#!/bin/sh
rm -rf "$SANDBOX/tls"
exit 0
