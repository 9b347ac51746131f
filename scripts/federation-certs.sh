#!/bin/sh
# Certificates for one country's federation links (docs/deployment.md, "Mutual TLS on the links"):
#
#   scripts/federation-certs.sh <CC> <broker host name> <output directory>
#
# makes, with openssl, in <output directory>:
#   <cc>-ca.pem / <cc>-ca.key       the country's CA (kept once: a second run reuses it, so rotating a
#                                   certificate never changes what peers trust)
#   <cc>-broker.pem / .key          the broker's server certificate (subjectAltName = the host name)
#   <cc>-link.pem / .key            the client certificate this country's links present to other brokers
# Each run issues new broker and link certificates with a new serial: that is the rotation. Keys are
# written 0600. Peers put <cc>-ca.pem into the CA bundle their broker verifies clients and servers with.
set -eu

if [ "$#" -ne 3 ]; then
  echo "usage: $0 <CC> <broker host name> <output directory>" >&2
  exit 2
fi
code=$1
host=$2
out=$3
case "$code" in
  [A-Z][A-Z]) ;;
  *) echo "country code must be two capital letters, got '$code'" >&2; exit 2 ;;
esac
case "$host" in
  *[!A-Za-z0-9.-]*|'') echo "host name must be letters, digits, dots and dashes" >&2; exit 2 ;;
esac
cc=$(echo "$code" | tr 'A-Z' 'a-z')
days=${TRM_CERT_DAYS:-365}
umask 077
mkdir -p "$out"
cd "$out"

if [ ! -f "$cc-ca.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -keyout "$cc-ca.key" -out "$cc-ca.pem" -subj "/O=TRM/CN=TRM $code federation CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
fi

issue() { # name, subject CN, extensions
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$cc-$1.key" \
    -out "$cc-$1.csr" -subj "/O=TRM/CN=$2" 2>/dev/null
  printf '%s\n' "$3" > "$cc-$1.ext"
  openssl x509 -req -in "$cc-$1.csr" -CA "$cc-ca.pem" -CAkey "$cc-ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days "$days" -out "$cc-$1.pem" -extfile "$cc-$1.ext" 2>/dev/null
  rm -f "$cc-$1.csr" "$cc-$1.ext"
}

issue broker "$host" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:$host"
issue link "link.$code" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
chmod 0644 "$cc-ca.pem" "$cc-broker.pem" "$cc-link.pem"
echo "federation-certs: $code CA, broker ($host) and link certificates in $(pwd)"
