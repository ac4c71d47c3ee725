#!/usr/bin/env bash
# The whole test suite. Installs what the tests need on a fresh Debian/Ubuntu machine
# (openssh-server for the real-sshd tests, tmux for the end-to-end terminal tests, postgresql
# for the team-mode tests, chromium for the HTML postmortem), then runs
# every test. Run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v prometheus-alertmanager >/dev/null 2>&1 || [ -x /usr/bin/prometheus-alertmanager ] || need+=(prometheus-alertmanager)
[ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] || need+=(docker.io)
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || need+=(busybox-static)
# The eval scenarios: a backdated certificate (openssl) and a stray HTTP server (python3).
command -v openssl >/dev/null 2>&1 || need+=(openssl)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(python3-aiosmtpd)
# The HTML postmortem is checked in headless Chromium at desktop and phone widths.
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
# Team mode: a throwaway PostgreSQL cluster (tests/support/postgres.rs runs initdb/postgres
# from /usr/lib/postgresql/*/bin as an unprivileged user).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# MCP servers (tests/mcp_*.rs): node and npm run the reference filesystem server.
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# A real Prometheus for tests/mcp_prometheus.rs, and venv for its MCP server from PyPI.
[ -x /usr/bin/prometheus ] || need+=(prometheus)
/usr/bin/python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing test dependencies: ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The reference MCP filesystem server from the npm registry, into target/mcp-servers (what
# tests/support/mcp_servers.rs looks for; it installs it itself when this step did not run).
mcp_npm=target/mcp-servers/npm
if [ ! -f "$mcp_npm/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js" ]; then
  echo "installing the MCP filesystem server (npm) into $mcp_npm" >&2
  mkdir -p "$mcp_npm"
  npm install --no-audit --no-fund --prefix "$mcp_npm" @modelcontextprotocol/server-filesystem >/dev/null
fi

# The Prometheus MCP server from the Python package registry, in a venv beside it.
mcp_venv=target/mcp-servers/prometheus-venv
if [ ! -x "$mcp_venv/bin/prometheus-mcp-server" ]; then
  echo "installing prometheus-mcp-server (pip) into $mcp_venv" >&2
  /usr/bin/python3 -m venv "$mcp_venv"
  "$mcp_venv/bin/pip" install -q prometheus-mcp-server
fi

# The code must be formatted and lint-clean before anything else runs (CI enforces both).
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings

# Every test: unit, integration (real sshd, real processes, fake LLM servers speaking the
# real protocols), end-to-end in tmux; benches run once in test mode so they cannot rot.
cargo test --locked --all-targets
# The session-loop and crash-resume suites again, with the session events and the audit chain
# also in a throwaway PostgreSQL cluster (team mode; tests/session_harness reads this).
OPSASSIST_TEST_STORE=postgres cargo test --locked --test session_loop --test crash_resume
