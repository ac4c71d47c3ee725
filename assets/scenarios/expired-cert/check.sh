#!/bin/sh
crt="$SANDBOX/tls/server.crt"
openssl x509 -noout -checkend 86400 -in "$crt" >/dev/null || { echo "the certificate is expired or expires within a day"; exit 1; }
a=$(openssl x509 -noout -pubkey -in "$crt"); b=$(openssl pkey -pubout -in "$SANDBOX/tls/server.key")
[ "$a" = "$b" ] || { echo "collateral: the certificate does not match server.key"; exit 1; }
echo "certificate valid and matches its key"
