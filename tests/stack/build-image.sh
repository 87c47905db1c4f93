#!/bin/sh
# Build the stand-in image poctui-test-busybox: FROM scratch plus the local static
# busybox. No registry is needed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
busybox_bin=${BUSYBOX:-/bin/busybox}

if [ ! -x "$busybox_bin" ]; then
    echo "build-image.sh: $busybox_bin not found: install Debian's busybox-static" >&2
    exit 1
fi
if ! "$busybox_bin" --list 2>/dev/null | grep -qx httpd; then
    echo "build-image.sh: $busybox_bin has no httpd applet: use Debian's busybox-static" >&2
    exit 1
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$here"/image/* "$context/"
cp "$busybox_bin" "$context/busybox"
# The legacy builder prints a deprecation notice on stderr; keep real errors.
docker build -q -t poctui-test-busybox "$context" >/dev/null 2>"$context/build.log" || {
    cat "$context/build.log" >&2
    exit 1
}
