#!/usr/bin/env bash
# Runs a command on the project's Node (scripts/node.sh): npm's scripts start under whatever node npm runs on.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node.sh
exec "$@"
