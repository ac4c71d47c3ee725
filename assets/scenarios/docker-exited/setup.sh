#!/bin/sh
# A long-sleeping container, stopped: it shows as exited. The image comes from EVAL_DOCKER_IMAGE
# (default busybox) and must already be present: nothing is pulled.
set -u
image=${EVAL_DOCKER_IMAGE:-busybox}
command -v docker >/dev/null || { echo "no docker client"; exit 77; }
timeout 10 docker info >/dev/null 2>&1 || { echo "no reachable docker daemon"; exit 77; }
docker image inspect "$image" >/dev/null 2>&1 || { echo "image $image is not present (nothing is pulled)"; exit 77; }
set -e
docker run -d --name "oa-eval-$EVAL_ID" --label "opsassist.eval=$EVAL_ID" "$image" sleep 600 >/dev/null
docker stop -t 0 "oa-eval-$EVAL_ID" >/dev/null
