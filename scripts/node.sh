# Sourced by the README's commands: puts Node 24 LTS first on PATH. A machine whose node is older gets Node's own
# build from the npm registry (the node-linux-<arch> package, the official binary), unpacked once into
# .portolan/node/<version>; nothing is typed by hand. npm itself stays the machine's and runs on this node.
NODE_WANT_MAJOR=24
NODE_PINNED=24.22.3   # the newest 24.x on the registry when this was written; bump it with .nvmrc and the Dockerfile
portolan_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(portolan_node_major)" -lt "$NODE_WANT_MAJOR" ]; then
  _root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  _dir="$_root/.portolan/node/$NODE_PINNED"
  if [ ! -x "$_dir/bin/node" ]; then
    case "$(uname -m)" in x86_64) _arch=x64 ;; aarch64 | arm64) _arch=arm64 ;; *) echo "[node] no Node $NODE_PINNED build for $(uname -m)" >&2; return 1 ;; esac
    echo "[node] bringing Node $NODE_PINNED (node-linux-$_arch from the npm registry; this machine has $(node --version 2>/dev/null || echo none))" >&2
    _tmp="$(mktemp -d)"
    (cd "$_tmp" && npm pack --silent "node-linux-$_arch@$NODE_PINNED" >/dev/null && tar xzf node-linux-*.tgz) || { echo "[node] could not fetch node-linux-$_arch@$NODE_PINNED" >&2; rm -rf "$_tmp"; return 1; }
    mkdir -p "$_dir" && cp -r "$_tmp/package/." "$_dir/" && rm -rf "$_tmp"
  fi
  export PATH="$_dir/bin:$PATH"
  hash -r
fi
[ "$(portolan_node_major)" -ge "$NODE_WANT_MAJOR" ] || { echo "[node] Node $NODE_WANT_MAJOR is required, found $(node --version)" >&2; return 1; }
