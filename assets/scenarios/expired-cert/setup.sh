#!/bin/sh
# An EC key and a self-signed certificate that expired yesterday, plus a renewal script.
set -eu
command -v openssl >/dev/null || { echo "openssl is not installed"; exit 77; }
mkdir -p "$SANDBOX/bin" "$SANDBOX/tls"
cd "$SANDBOX/tls"
openssl ecparam -name prime256v1 -genkey -noout -out server.key 2>/dev/null
openssl req -new -key server.key -subj /CN=shop.local -out server.csr 2>/dev/null
# A certificate valid from two days ago to yesterday: sign with a backdated mini CA.
openssl x509 -req -in server.csr -signkey server.key -out server.crt -days 1 \
  -not_before 20000101000000Z -not_after 20000102000000Z 2>/dev/null \
  || { printf '[ca]\ndefault_ca=c\n[c]\ndatabase=%s/idx\nnew_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' "$PWD" "$PWD" "$PWD" > ca.cnf
       : > idx; echo 01 > serial
       openssl ca -batch -config ca.cnf -selfsign -keyfile server.key -in server.csr -out server.crt \
         -startdate 20000101000000Z -enddate 20000102000000Z -notext 2>/dev/null; }
cat > "$SANDBOX/bin/renew-cert" <<'D'
#!/bin/sh
S=$(dirname "$(dirname "$(readlink -f "$0")")")
openssl req -x509 -key "$S/tls/server.key" -subj /CN=shop.local -days 90 -out "$S/tls/server.crt" 2>/dev/null && echo "renewed: $(openssl x509 -noout -enddate -in "$S/tls/server.crt")"
D
chmod +x "$SANDBOX/bin/renew-cert"
! openssl x509 -noout -checkend 0 -in server.crt >/dev/null
