#!/usr/bin/env bash
# The README's first command. On a fresh Debian 12 machine it installs what edgeid needs,
# builds it and runs the demo on embedded defaults:
#   an upstream CA is made with the openssl CLI (the paper's "disk" upstream authority),
#   edgeid's signing CA is chained to it, a workload's X.509-SVID and a JWT-SVID are minted
#   and verified, and openssl verifies the SVID independently.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
# Paths relative to the checkout let ccache reuse objects across clones (CI builds a fresh one).
export CCACHE_BASEDIR="$PWD"
echo "== Building edgeid (release preset)"
cmake --preset release >/dev/null
cmake --build --preset release --target edgeid-libdemo | tail -n 1

work=build/demo
rm -rf "$work"
mkdir -p "$work/upstream"
echo
echo "== Making an upstream root CA with openssl, as the paper's operator does"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/O=Example Corp/CN=Example Upstream Root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$work/upstream/ca.key" -out "$work/upstream/ca.pem" 2>/dev/null
chmod 600 "$work/upstream/ca.key"
echo "   $work/upstream/ca.pem: $(openssl x509 -noout -subject -in "$work/upstream/ca.pem")"

build/release/cmd/edgeid-libdemo/edgeid-libdemo --trust-domain example.org --out "$work/out" \
  --upstream-cert "$work/upstream/ca.pem" --upstream-key "$work/upstream/ca.key"

echo
echo "== Independent check: openssl verifies the X.509-SVID against the trust bundle"
openssl verify -purpose sslclient -CAfile "$work/out/bundle.0.pem" \
  -untrusted "$work/out/svid.0.pem" "$work/out/svid.0.pem"
openssl x509 -noout -ext subjectAltName -in "$work/out/svid.0.pem"
echo
echo "Done. Keys, SVID and bundles are in $work/out (keys mode 0600)."
