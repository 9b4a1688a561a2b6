#!/usr/bin/env bash
# The README's first command. On a fresh Debian 12 machine it installs what edgeid needs,
# builds it and runs the demo on embedded defaults:
#   an upstream CA is made with the openssl CLI (the paper's "disk" upstream authority),
#   edgeid's signing CA is chained to it, a workload's X.509-SVID and a JWT-SVID are minted
#   and verified, and openssl verifies the SVID independently;
#   then edgeid-server runs on the same upstream CA: node alias and workload entries are
#   registered with its CLI, a join token is made, and an SVID minted by the server is verified
#   by openssl; then edgeid-agent attests the node with x509pop, a workload fetches its SVID
#   over the SPIFFE Workload API (checked by openssl) and an unregistered workload is refused;
#   then the IoT chain: edgeid-mapper is refused until registered, edgeid-helper installs each
#   device's SVID, a genuine simulated device is authenticated by its secure element, paired
#   and read, and a cloned one is refused.
#   Every process is stopped at the end (and on any failure).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
# Paths relative to the checkout let ccache reuse objects across clones (CI builds a fresh one).
export CCACHE_BASEDIR="$PWD"
echo "== Building edgeid (release preset)"
cmake --preset release >/dev/null
cmake --build --preset release --target edgeid-libdemo edgeid-server edgeid-agent edgeid-helper \
  edgeid-devsim edgeid-mapper | tail -n 1

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
echo "== edgeid-server on the same upstream CA, with x509pop node attestation"
# The node PKI of the paper: a CA for the edge nodes and node-1's certificate, made with openssl.
mkdir -p "$work/nodes" "$work/server" "$work/minted"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/O=Example Corp/CN=Edge Node CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$work/nodes/ca.key" -out "$work/nodes/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=edge-node-1" \
  -keyout "$work/nodes/node-1.key" -out "$work/nodes/node-1.csr" 2>/dev/null
printf 'keyUsage=critical,digitalSignature\n' >"$work/nodes/node.ext"
openssl x509 -req -in "$work/nodes/node-1.csr" -CA "$work/nodes/ca.pem" \
  -CAkey "$work/nodes/ca.key" -CAcreateserial -days 30 -extfile "$work/nodes/node.ext" \
  -out "$work/nodes/node-1.pem" 2>/dev/null
chmod 600 "$work/nodes/"*.key
echo "   $work/nodes/node-1.pem: $(openssl x509 -noout -subject -in "$work/nodes/node-1.pem")"

admin="$PWD/$work/server/admin.sock"
{
  echo '[server]'
  echo 'trust_domain = "example.org"'
  echo "data_dir = \"$work/server/data\""
  echo "socket_path = \"$admin\""
  echo 'bind_port = 0  # any free port: the demo must not collide with a running server'
  echo
  echo '[plugins.upstream_authority.disk]'
  echo "cert_file_path = \"$work/upstream/ca.pem\""
  echo "key_file_path = \"$work/upstream/ca.key\""
  echo
  echo '[plugins.node_attestor.x509pop]'
  echo "ca_bundle_path = \"$work/nodes/ca.pem\""
} >"$work/server.toml"
server=build/release/cmd/edgeid-server/edgeid-server
echo "\$ edgeid-server run --config $work/server.toml"
"$server" run --config "$work/server.toml" >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
# Waits (10 s at most) for TEXT in LOG while PID runs; shows the log and fails otherwise.
wait_for_log() {
  local log=$1 pid=$2 text=$3
  for _ in $(seq 100); do
    grep -q "$text" "$log" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log"
  exit 1
}
wait_for_log "$work/server.log" "$server_pid" "edgeid-server ready"
sed 's/^/   server| /' "$work/server.log"
cli() { "$server" "$@" --admin-socket "$admin"; }
show() {
  echo "\$ edgeid-server $*"
  cli "$@"
}
echo
show healthcheck
echo
show entry create --node --spiffe-id spiffe://example.org/edge/node-1 \
  --selector x509pop:subject:cn:edge-node-1
agent=build/release/cmd/edgeid-agent/edgeid-agent
# The workload is this user running the agent's own client (as `spire-agent api fetch`), chosen
# by user and binary path: a copy of the same binary elsewhere is another, unregistered workload.
workload_path="$(readlink -f "$agent")"
show entry create --parent-id spiffe://example.org/edge/node-1 \
  --spiffe-id spiffe://example.org/sensor/mapper --selector "unix:uid:$(id -u)" \
  --selector "unix:path:$workload_path" --x509-svid-ttl 30m
show entry count
echo
show token generate --ttl 10m
echo
show x509 mint --spiffe-id spiffe://example.org/sensor/mapper --ttl 10m --write "$work/minted"
echo
echo "== Independent check: openssl verifies the server's SVID up to the upstream root"
openssl verify -purpose sslclient -CAfile "$work/minted/bundle.pem" \
  -untrusted "$work/minted/svid.pem" "$work/minted/svid.pem"
openssl x509 -noout -ext subjectAltName -in "$work/minted/svid.pem"
echo
echo "\$ edgeid-server jwt mint --spiffe-id spiffe://example.org/sensor/mapper --audience mqtt-broker"
token=$(cli jwt mint --spiffe-id spiffe://example.org/sensor/mapper --audience mqtt-broker)
echo "${token:0:60}..."

echo
echo "== edgeid-agent on the edge node: x509pop node attestation, then the Workload API"
port=$(sed -n 's/.*agent API listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
cli bundle show >"$work/server-bundle.pem"
socket="$PWD/$work/agent/public/api.sock"
echo "\$ edgeid-agent run --server-port $port --trust-bundle server-bundle.pem --x509pop-cert node-1.pem ..."
"$agent" run --trust-domain example.org --server-port "$port" \
  --trust-bundle "$work/server-bundle.pem" --x509pop-cert "$work/nodes/node-1.pem" \
  --x509pop-key "$work/nodes/node-1.key" --data-dir "$work/agent/data" --socket-path "$socket" \
  --discover-workload-path --sync-interval 1s >"$work/agent.log" 2>&1 &
agent_pid=$!
trap 'kill "$agent_pid" "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
wait_for_log "$work/agent.log" "$agent_pid" "edgeid-agent ready"
sed 's/^/   agent| /' "$work/agent.log"
echo
echo "\$ edgeid-agent api fetch x509 --write $work/workload   (the registered workload)"
for _ in $(seq 50); do  # the entry reaches the agent at its next sync
  "$agent" api fetch x509 --socket-path "$socket" --silent 2>/dev/null && break
  sleep 0.2
done
"$agent" api fetch x509 --socket-path "$socket" --write "$work/workload"
echo "== Independent check: openssl verifies the workload's SVID from the Workload API"
openssl verify -purpose sslclient -CAfile "$work/workload/bundle.0.pem" \
  -untrusted "$work/workload/svid.0.pem" "$work/workload/svid.0.pem"
echo
cp "$agent" "$work/unregistered-workload"
echo "\$ $work/unregistered-workload api fetch x509   (same user, another binary: no entry)"
if "$work/unregistered-workload" api fetch x509 --socket-path "$socket"; then
  echo "FAILED: an unregistered workload got an SVID" >&2
  exit 1
fi
echo "   refused, as it must be"

echo
echo "== The IoT chain: devices with a secure element, edgeid-helper, and the attested mapper"
devsim=build/release/cmd/edgeid-devsim/edgeid-devsim
helper=build/release/cmd/edgeid-helper/edgeid-helper
mapper=build/release/cmd/edgeid-mapper/edgeid-mapper
pids=("$agent_pid" "$server_pid")
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
echo "\$ edgeid-devsim manufacture --name thermo-1   (genuine: its element's key is certified by the maker)"
"$devsim" manufacture --manufacturer-dir "$work/maker" --out "$work/devices/thermo-1" \
  --name thermo-1 | sed 's/^/   /'
echo "\$ edgeid-devsim manufacture --name fake-1 --variant cloned   (a copied certificate, a replayed signature)"
"$devsim" manufacture --manufacturer-dir "$work/maker" --out "$work/devices/fake-1" \
  --name fake-1 --variant cloned | sed 's/^/   /'
{
  echo 'apiVersion: devices.kubeedge.io/v1beta1'
  echo 'kind: DeviceModel'
  echo 'metadata: {name: stwin-model}'
  echo 'spec:'
  echo '  protocol: ble'
  echo '  properties:'
  echo '    - {name: temperature, type: FLOAT, accessMode: ReadOnly, unit: celsius}'
  echo '    - {name: pressure, type: FLOAT, accessMode: ReadOnly, unit: hPa}'
  echo '    - {name: led, type: BOOLEAN, accessMode: ReadWrite}'
  for d in thermo-1 fake-1; do
    echo '---'
    echo 'apiVersion: devices.kubeedge.io/v1beta1'
    echo 'kind: Device'
    echo "metadata: {name: $d}"
    echo 'spec:'
    echo '  deviceModelRef: {name: stwin-model}'
    echo '  protocol:'
    echo '    protocolName: ble'
    echo "    configData: {socketPath: $PWD/$work/devices/$d/link.sock, spiffeId: spiffe://example.org/device/$d}"
    echo '  properties:'
    echo '    - {name: temperature, visitors: {protocolName: ble, configData: {characteristicUUID: "2a6e"}}}'
    echo '    - {name: pressure, visitors: {protocolName: ble, configData: {characteristicUUID: "2a6d"}}}'
    echo '    - {name: led, desired: {value: "true"}, visitors: {protocolName: ble, configData: {characteristicUUID: "2a56"}}}'
  done
} >"$work/devices.yaml"
echo "\$ edgeid-mapper run --device-file devices.yaml --manufacturer-roots maker/root.pem   (not registered yet)"
"$mapper" run --agent-address "$socket" --device-file "$work/devices.yaml" \
  --manufacturer-roots "$work/maker/root.pem" --data-file "$work/readings.jsonl" \
  >"$work/mapper.log" 2>&1 &
pids+=("$!")
wait_for_log "$work/mapper.log" "${pids[-1]}" "not attested"
grep -m 1 "not attested" "$work/mapper.log" | sed 's/^/   mapper| /'
echo
mapper_path="$(readlink -f "$mapper")"
helper_path="$(readlink -f "$helper")"
show entry create --parent-id spiffe://example.org/edge/node-1 \
  --spiffe-id spiffe://example.org/mapper/ble --selector "unix:uid:$(id -u)" \
  --selector "unix:path:$mapper_path"
for d in thermo-1 fake-1; do
  show entry create --parent-id spiffe://example.org/edge/node-1 \
    --spiffe-id "spiffe://example.org/device/$d" --hint "$d" --selector "unix:uid:$(id -u)" \
    --selector "unix:path:$helper_path"
done
wait_for_log "$work/mapper.log" "${pids[-1]}" "attested as"
grep -m 1 "attested as" "$work/mapper.log" | sed 's/^/   mapper| /'
echo
for d in thermo-1 fake-1; do
  mkdir -p "$work/devices/$d/identity"
  {
    echo "agent_address = \"$socket\""
    echo "cert_dir = \"$work/devices/$d/identity\""
    echo 'svid_file_name = "svid.pem"'
    echo 'svid_key_file_name = "svid_key.pem"'
    echo 'svid_bundle_file_name = "svid_bundle.pem"'
    echo "hint = \"$d\""
    echo 'daemon_mode = false'
  } >"$work/helper-$d.conf"
  echo "\$ edgeid-helper run --config helper-$d.conf   (installs $d's SVID out of band)"
  "$helper" run --config "$work/helper-$d.conf" --timeout 20s 2>&1 | tail -n 1 | sed 's/^/   helper| /'
  echo "   $work/devices/$d/identity/svid.pem: $(openssl x509 -noout -ext subjectAltName \
    -in "$work/devices/$d/identity/svid.pem" | tail -n 1 | tr -d ' ')"
done
echo
for d in thermo-1 fake-1; do
  echo "\$ edgeid-devsim run --device-dir devices/$d --allowed-mapper-id spiffe://example.org/mapper/ble"
  "$devsim" run --device-dir "$work/devices/$d" --sample-period-ms 500 \
    --allowed-mapper-id spiffe://example.org/mapper/ble >"$work/devsim-$d.log" 2>&1 &
  pids+=("$!")
done
wait_for_log "$work/mapper.log" "${pids[2]}" "thermo-1: genuine"
wait_for_log "$work/mapper.log" "${pids[2]}" "fake-1: REFUSED"
wait_for_log "$work/devsim-thermo-1.log" "${pids[3]}" "LED switched on"
for _ in $(seq 50); do
  readings=$(grep -c thermo-1 "$work/readings.jsonl" 2>/dev/null || true)
  [ "${readings:-0}" -ge 4 ] && break
  sleep 0.1
done
grep -E "genuine|REFUSED|led set" "$work/mapper.log" | sed 's/^/   mapper| /'
grep -E "paired|LED" "$work/devsim-thermo-1.log" | sed 's/^/   thermo-1| /'
echo "   readings in $work/readings.jsonl (KubeEdge's \$ke/events/device/.../data/update payloads):"
head -n 2 "$work/readings.jsonl" | sed 's/^/   /'
if grep -q fake-1 "$work/readings.jsonl"; then
  echo "FAILED: the counterfeit device's readings were published" >&2
  exit 1
fi
echo "   nothing from fake-1, as it must be"
kill "${pids[@]:2}"
wait "${pids[@]:2}" 2>/dev/null || true

kill "$agent_pid" "$server_pid"
wait "$agent_pid" || true
wait "$server_pid" || true
trap - EXIT
echo "   agent| $(tail -n 1 "$work/agent.log")"
echo "   server| $(tail -n 1 "$work/server.log")"
echo
echo "Done. Keys, SVIDs and bundles are in $work/out, $work/minted and $work/workload (keys mode 0600)."
