#!/usr/bin/env bash
# Installs dependencies (npm ci, when the lockfile changed), generates the Prisma client and builds the apps.
# Idempotent; both README commands call it, so nothing has to be typed by hand first.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false CHECKPOINT_DISABLE=1
stamp=node_modules/.portolan-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
# Prisma's client and the builds are redone only when their inputs changed (a warm start skips both)
client_stamp=libs/persistence/src/generated/.schema.sha
schema_sha=$( (sha256sum prisma/schema.prisma; sha256sum package-lock.json) | sha256sum | cut -d' ' -f1)
if [ ! -f "$client_stamp" ] || [ "$(cat "$client_stamp")" != "$schema_sha" ]; then
  echo "[setup] prisma generate" >&2
  npx --no-install prisma generate >/dev/null
  echo "$schema_sha" > "$client_stamp"
fi
echo "[setup] build api (with the web app it serves under /ui), worker, cli (Nx cache: unchanged projects are not rebuilt)" >&2
npx --no-install nx run-many -t build -p api worker cli --outputStyle=static >/tmp/portolan-build.log 2>&1 || { cat /tmp/portolan-build.log >&2; exit 1; }
echo "[setup] package the CLI (dist/packages/portolan: npm pack, npx, npm i -g, kubectl plugin)" >&2
npx --no-install nx run cli:package --outputStyle=static >/tmp/portolan-package.log 2>&1 || { cat /tmp/portolan-package.log >&2; exit 1; }
