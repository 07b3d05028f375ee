#!/usr/bin/env bash
# The one command that starts Portolan on a fresh clone: installs, builds, then runs the stack (tools/stack/start.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node.sh || exit 1
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false CHECKPOINT_DISABLE=1
bash scripts/setup.sh
TS_NODE_PROJECT=tsconfig.base.json exec node -r @swc-node/register -r tsconfig-paths/register tools/stack/start.ts "$@"
