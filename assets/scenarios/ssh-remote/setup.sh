#!/bin/sh
# The "remote" host is the test sshd on loopback, which sees the same filesystem: a
# maintenance flag makes its health check fail.
set -eu
mkdir -p "$SANDBOX/remote/bin" "$SANDBOX/remote/etc"
echo "mode=live" > "$SANDBOX/remote/etc/app.conf"
echo "left by deploy 2024-05-01" > "$SANDBOX/remote/etc/maintenance.flag"
cat > "$SANDBOX/remote/bin/health" <<'D'
#!/bin/sh
S=$(dirname "$(dirname "$(readlink -f "$0")")")
[ -f "$S/etc/maintenance.flag" ] && { echo "health: in maintenance ($S/etc/maintenance.flag)"; exit 1; }
[ -f "$S/etc/app.conf" ] || { echo "health: app.conf missing"; exit 1; }
echo "health: ok"
D
chmod +x "$SANDBOX/remote/bin/health"
