#!/bin/sh
# Build the stand-in image from the local busybox and start the stand-in stack
# (compose project "poctui-test") plus two Coder-style workspace containers.
# Idempotent: running it again leaves a running stack as it is.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
image=poctui-test-busybox
project=poctui-test
network=poctui-test-coder-network

"$here/build-image.sh"
docker-compose -p "$project" -f "$here/docker-compose.yml" up -d --remove-orphans >&2

# Workspaces are created by Coder's docker template, not by compose: no compose
# labels, the template's coder.* labels, and the coder-<owner>-<workspace> name.
start_workspace() {
    owner=$1 owner_id=$2 workspace=$3 workspace_id=$4
    name="poctui-test-coder-$owner-$workspace"
    if docker container inspect "$name" >/dev/null 2>&1; then
        docker start "$name" >/dev/null
        return
    fi
    docker run -d --name "$name" --hostname "$workspace" \
        --network "$network" \
        --label "coder.owner=$owner" \
        --label "coder.owner_id=$owner_id" \
        --label "coder.workspace_id=$workspace_id" \
        --label "coder.workspace_name=$workspace" \
        -e "CODER_AGENT_TOKEN=stand-in-agent-token" \
        "$image" 8080 /index.html "workspace $owner/$workspace" >/dev/null
}
start_workspace alice 6b1e3f0c-0000-4000-8000-00000000a11c dev 0f5c3a52-0000-4000-8000-0000000000d1
start_workspace bob 6b1e3f0c-0000-4000-8000-000000000b0b api 0f5c3a52-0000-4000-8000-0000000000a2
