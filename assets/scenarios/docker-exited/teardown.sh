#!/bin/sh
docker rm -f "oa-eval-$EVAL_ID" >/dev/null 2>&1
exit 0
