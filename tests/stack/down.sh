#!/bin/sh
# Remove the stand-in stack: workspace containers, compose project, network,
# volume. The image stays (it is cheap to keep and rebuilt by up.sh anyway);
# pass --image to remove it too.
set -u

here=$(cd "$(dirname "$0")" && pwd)

for name in poctui-test-coder-alice-dev poctui-test-coder-bob-api; do
    docker rm -f "$name" >/dev/null 2>&1
done
docker-compose -p poctui-test -f "$here/docker-compose.yml" down -v --remove-orphans -t 2 >&2
if [ "${1:-}" = "--image" ]; then
    docker rmi poctui-test-busybox >/dev/null 2>&1
fi
exit 0
