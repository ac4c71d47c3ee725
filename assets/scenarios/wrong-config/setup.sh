#!/bin/sh
# A config whose port is not a number, and a validator.
set -eu
mkdir -p "$SANDBOX/bin" "$SANDBOX/etc"
printf 'name=shop\nport=eighty\nworkers=4\n' > "$SANDBOX/etc/app.conf"
cat > "$SANDBOX/bin/app-check" <<'D'
#!/bin/sh
S=$(dirname "$(dirname "$(readlink -f "$0")")")
port=$(sed -n 's/^port=//p' "$S/etc/app.conf")
case "$port" in
  ''|*[!0-9]*) echo "app.conf: port must be a number (got '$port')"; exit 1 ;;
esac
if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then echo "app.conf: port out of range"; exit 1; fi
echo "app.conf ok"
D
chmod +x "$SANDBOX/bin/app-check"
