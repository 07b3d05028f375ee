#!/usr/bin/env bash
# The one command that runs every test: installs what is missing (npm ci, Debian's redis-server and iptables),
# starts throwaway Postgres 15 + Redis, migrates, then lint, typecheck, and every project's Jest suite (unit,
# integration against real Postgres, the kernel suite in network namespaces, e2e against the real API and worker
# processes). Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/node.sh || exit 1
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false CHECKPOINT_DISABLE=1 NODE_ENV=test
bash scripts/setup.sh || exit 1

if ! command -v iptables-restore >/dev/null 2>&1 && [ -x /usr/sbin/iptables-restore ]; then export PATH="$PATH:/usr/sbin:/sbin"; fi
if ! command -v iptables-restore >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "[test] installing iptables (Debian) for the rendering and kernel suites" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables >/dev/null || echo "[test] WARNING: could not install iptables" >&2
  else
    echo "[test] WARNING: iptables-restore is missing and this is not root: the kernel suite will say so and skip" >&2
  fi
fi

# the kernel suite loads kube-proxy's and portmap's nftables tables with nft -f (Debian's nftables package)
if ! command -v nft >/dev/null 2>&1 && [ -x /usr/sbin/nft ]; then export PATH="$PATH:/usr/sbin:/sbin"; fi
if ! command -v nft >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "[test] installing nftables (Debian) for the kernel suite" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nftables >/dev/null || echo "[test] WARNING: could not install nftables" >&2
  else
    echo "[test] WARNING: nft is missing and this is not root: the kernel suite's nftables specs will say so and skip" >&2
  fi
fi

# the portal's browser tests drive Debian's chromium (playwright-core brings no browser of its own)
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM_PATH:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "[test] installing chromium (Debian) for the portal's browser tests" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || echo "[test] WARNING: could not install chromium" >&2
  else
    echo "[test] WARNING: chromium is missing and this is not root: the portal's browser tests will fail saying so" >&2
  fi
fi

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
export SERVICES_STATE="${TMPDIR:-/tmp}/portolan-test-$$"
export PG_PORT="${PG_PORT:-$(free_port)}" REDIS_PORT="${REDIS_PORT:-$(free_port)}"
trap 'bash scripts/services.sh down >/dev/null 2>&1' EXIT
bash scripts/services.sh up || exit 1
# shellcheck disable=SC1091
source "$SERVICES_STATE/env"
node tools/prisma-wasm-migrate.mjs deploy >/dev/null || exit 1
node tools/prisma-wasm-migrate.mjs check || exit 1

status=0
echo "[test] lint + typecheck" >&2
npx --no-install nx run-many -t lint typecheck --outputStyle=static --skip-nx-cache || { echo "[test] lint/typecheck FAILED" >&2; status=1; }

rm -rf tmp/jest-results
echo "[test] jest (every project)" >&2
npx --no-install nx run-many -t test --outputStyle=static --skip-nx-cache --parallel=1 --nxBail=false || status=1

node tools/jest-summary.mjs || status=1
exit $status
