#!/bin/sh
"$SANDBOX/remote/bin/health"
