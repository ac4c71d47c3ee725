#!/bin/sh
state=$(docker inspect -f '{{.State.Running}}' "oa-eval-$EVAL_ID" 2>&1) || { echo "container gone: $state"; exit 1; }
[ "$state" = true ] || { echo "container not running"; exit 1; }
echo "container running"
