#!/usr/bin/env bash
# The README's first command. On a fresh Debian 12 machine it installs what edgeid needs, builds
# it and runs the end-to-end demo on embedded defaults, in numbered steps:
#   an upstream CA and the edge node's x509pop certificate made with openssl; edgeid-server
#   (SQLite) on that CA and edgeid-agent attesting the node; Mosquitto with edgeid's SPIFFE
#   plugin, its certificate an SVID; edgeid-mapper refused until it is registered, then attested;
#   edgeid-helper installing each device's SVID; devices booting; the mapper authenticating the
#   genuine device's secure element, pairing and publishing its readings over MQTT with mutual
#   TLS; a cloud subscriber showing them; a counterfeit device refused; MQTT clients without an
#   SVID refused; a desired LED state sent by the cloud reaching the device.
#   Every process is stopped at the end (and on any failure).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
# Paths relative to the checkout let ccache reuse objects across clones (CI builds a fresh one).
export CCACHE_BASEDIR="$PWD"
echo "== Building edgeid (release preset)"
cmake --preset release >/dev/null
cmake --build --preset release --target edgeid-libdemo edgeid-server edgeid-agent edgeid-helper \
  edgeid-devsim edgeid-mapper edgeid_mosquitto_spiffe | tail -n 1

started_at=$(date +%s)
work=build/demo
rm -rf "$work"
# The daemons refuse a socket whose directory, or any directory above it, other users could
# write (docs/agent.md); a group-writable umask would make the demo's directories so.
umask 022
mkdir -p "$work/upstream" "$work/nodes" "$work/server" "$work/minted" "$work/mqtt"
steps=13
step_number=0
step() {
  step_number=$((step_number + 1))
  echo
  echo "[$step_number/$steps] $*"
}
pids=()
stop_all() {
  [ ${#pids[@]} -eq 0 ] && return 0
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop_all EXIT
# Waits (10 s at most) for TEXT in LOG while PID runs; shows the log and fails otherwise.
wait_for_log() {
  local log=$1 pid=$2 text=$3
  for _ in $(seq 100); do
    grep -q -- "$text" "$log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAILED: \"$text\" did not appear in $log:" >&2
  cat "$log" >&2
  exit 1
}
server=build/release/cmd/edgeid-server/edgeid-server
agent=build/release/cmd/edgeid-agent/edgeid-agent
devsim=build/release/cmd/edgeid-devsim/edgeid-devsim
helper=build/release/cmd/edgeid-helper/edgeid-helper
mapper=build/release/cmd/edgeid-mapper/edgeid-mapper
plugin="$(readlink -f build/release/src/mqtt/mosquitto_plugin/edgeid_mosquitto_spiffe.so)"

step "An upstream root CA and the edge node's x509pop certificate, made with openssl"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/O=Example Corp/CN=Example Upstream Root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$work/upstream/ca.key" -out "$work/upstream/ca.pem" 2>/dev/null
echo "   $work/upstream/ca.pem: $(openssl x509 -noout -subject -in "$work/upstream/ca.pem")"
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
chmod 600 "$work/upstream/ca.key" "$work/nodes/"*.key
echo "   $work/nodes/node-1.pem: $(openssl x509 -noout -subject -in "$work/nodes/node-1.pem")"
echo "   edgeid's CA library alone, chained to the upstream CA (edgeid-libdemo):"
build/release/cmd/edgeid-libdemo/edgeid-libdemo --trust-domain example.org --out "$work/out" \
  --upstream-cert "$work/upstream/ca.pem" --upstream-key "$work/upstream/ca.key" |
  sed 's/^/   | /'
openssl verify -purpose sslclient -CAfile "$work/out/bundle.0.pem" \
  -untrusted "$work/out/svid.0.pem" "$work/out/svid.0.pem" | sed 's/^/   openssl: /'

step "edgeid-server (SQLite) on the upstream CA, and edgeid-agent attesting node-1 with x509pop"
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
echo "\$ edgeid-server run --config $work/server.toml"
"$server" run --config "$work/server.toml" >"$work/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
wait_for_log "$work/server.log" "$server_pid" "edgeid-server ready"
sed 's/^/   server| /' "$work/server.log"
cli() { "$server" "$@" --admin-socket "$admin"; }
show() {
  echo "\$ edgeid-server $*"
  cli "$@" | sed 's/^/   /'
}
show entry create --node --spiffe-id spiffe://example.org/edge/node-1 \
  --selector x509pop:subject:cn:edge-node-1
port=$(sed -n 's/.*agent API listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
cli bundle show >"$work/server-bundle.pem"
socket="$PWD/$work/agent/public/api.sock"
echo "\$ edgeid-agent run --server-port $port --trust-bundle server-bundle.pem --x509pop-cert node-1.pem ..."
"$agent" run --trust-domain example.org --server-port "$port" \
  --trust-bundle "$work/server-bundle.pem" --x509pop-cert "$work/nodes/node-1.pem" \
  --x509pop-key "$work/nodes/node-1.key" --data-dir "$work/agent/data" --socket-path "$socket" \
  --discover-workload-path --sync-interval 1s >"$work/agent.log" 2>&1 &
agent_pid=$!
pids+=("$agent_pid")
wait_for_log "$work/agent.log" "$agent_pid" "edgeid-agent ready"
grep -E "attested|ready" "$work/agent.log" | sed 's/^/   agent| /'
# A workload is this user running a given binary: the agent's own client here, as
# `spire-agent api fetch`. A copy of the same binary elsewhere is another, unregistered workload.
show entry create --parent-id spiffe://example.org/edge/node-1 \
  --spiffe-id spiffe://example.org/sensor/reader --selector "unix:uid:$(id -u)" \
  --selector "unix:path:$(readlink -f "$agent")"
echo "\$ edgeid-agent api fetch x509 --write $work/workload   (a registered workload)"
for _ in $(seq 50); do  # the entry reaches the agent at its next sync
  "$agent" api fetch x509 --socket-path "$socket" --silent 2>/dev/null && break
  sleep 0.2
done
"$agent" api fetch x509 --socket-path "$socket" --write "$work/workload" | sed 's/^/   /'
openssl verify -purpose sslclient -CAfile "$work/workload/bundle.0.pem" \
  -untrusted "$work/workload/svid.0.pem" "$work/workload/svid.0.pem" | sed 's/^/   openssl: /'
cp "$agent" "$work/unregistered-workload"
echo "\$ $work/unregistered-workload api fetch x509   (same user, another binary: no entry)"
if "$work/unregistered-workload" api fetch x509 --socket-path "$socket" 2>&1 | sed 's/^/   /'; then
  [ "${PIPESTATUS[0]}" -eq 0 ] && { echo "FAILED: an unregistered workload got an SVID" >&2; exit 1; }
fi
echo "   refused, as it must be"

# edgeid-helper writes an identity's SVID, key and bundle into a directory, once: for the broker,
# the cloud's client and each device (told apart by hint; all run the helper binary as this user).
helper_path="$(readlink -f "$helper")"
register_helper_identity() {  # ID HINT [more entry flags]
  local id=$1 hint=$2
  shift 2
  show entry create --parent-id spiffe://example.org/edge/node-1 --spiffe-id "$id" \
    --hint "$hint" --selector "unix:uid:$(id -u)" --selector "unix:path:$helper_path" "$@"
}
install_svid() {  # HINT DIR [MORE-CONFIG-LINE]
  mkdir -p "$2"
  {
    echo "agent_address = \"$socket\""
    echo "cert_dir = \"$2\""
    echo 'svid_file_name = "svid.pem"'
    echo 'svid_key_file_name = "svid_key.pem"'
    echo 'svid_bundle_file_name = "svid_bundle.pem"'
    echo "hint = \"$1\""
    echo 'daemon_mode = false'
    if [[ -n "${3:-}" ]]; then echo "$3"; fi
  } >"$work/helper-$1.conf"
  echo "\$ edgeid-helper run --config helper-$1.conf"
  "$helper" run --config "$work/helper-$1.conf" --timeout 20s 2>&1 | tail -n 1 | sed 's/^/   helper| /'
  echo "   $2/svid.pem: $(openssl x509 -noout -ext subjectAltName -in "$2/svid.pem" | tail -n 1 | tr -d ' ')"
}

step "Mosquitto with edgeid's SPIFFE plugin; its certificate is an SVID from the agent"
register_helper_identity spiffe://example.org/mqtt/broker broker --dns-name localhost
register_helper_identity spiffe://example.org/cloud/telemetry cloud
# The plugin sees a client's leaf only (Mosquitto's plugin API), so its trust bundle must hold
# the leaf's issuer: edgeid's signing CA, which sits below the upstream root. The helper puts it
# in the bundle file, which serves as Mosquitto's cafile and as the plugin's trust bundle.
install_svid broker "$work/mqtt/broker" 'add_intermediates_to_bundle = true'
install_svid cloud "$work/mqtt/cloud"
cat >"$work/mqtt/acl.toml" <<'ACL'
# The BLE mapper publishes data and twins of namespace "default" and takes their desired values.
[[rule]]
spiffe_id = "spiffe://example.org/mapper/ble"
publish = ["$ke/events/device/default/+/data/update", "$hw/events/device/default/+/twin/update"]
subscribe = ["$hw/events/device/default/+/twin/update/delta"]

# The cloud reads every device and sets desired values.
[[rule]]
spiffe_id = "spiffe://example.org/cloud/telemetry"
publish = ["$hw/events/device/+/+/twin/update/delta"]
subscribe = ["$ke/events/device/#", "$hw/events/device/#"]
ACL
mqtt_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/mqtt/mosquitto.conf" <<CONF
user $(id -un)
per_listener_settings false
allow_anonymous false
persistence false
log_dest stderr
listener $mqtt_port 127.0.0.1
cafile $PWD/$work/mqtt/broker/svid_bundle.pem
certfile $PWD/$work/mqtt/broker/svid.pem
keyfile $PWD/$work/mqtt/broker/svid_key.pem
require_certificate true
tls_version tlsv1.2
plugin $plugin
plugin_opt_trust_domain example.org
plugin_opt_trust_bundle $PWD/$work/mqtt/broker/svid_bundle.pem
plugin_opt_acl_file $PWD/$work/mqtt/acl.toml
CONF
echo "\$ mosquitto -c $work/mqtt/mosquitto.conf   (TLS on 127.0.0.1:$mqtt_port, client SVIDs required)"
mosquitto -c "$work/mqtt/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=("$!")
mosquitto_pid=$!
wait_for_log "$work/mosquitto.log" "$mosquitto_pid" "edgeid-spiffe: trust domain"
grep "edgeid-spiffe" "$work/mosquitto.log" | sed 's/^/   mosquitto| /'
cloud_args=(-h localhost -p "$mqtt_port" -V mqttv5 -q 1 --cafile "$work/mqtt/cloud/svid_bundle.pem"
  --cert "$work/mqtt/cloud/svid.pem" --key "$work/mqtt/cloud/svid_key.pem")
# A client ID is bound to its SPIFFE ID: the ID itself, or the ID, '#' and a suffix.
stdbuf -oL mosquitto_sub "${cloud_args[@]}" -i 'spiffe://example.org/cloud/telemetry#sub' -v -t '$ke/events/device/#' \
  -t '$hw/events/device/#' >"$work/cloud-sub.log" 2>&1 &
pids+=("$!")

step "edgeid-mapper starts before it is registered: the agent refuses it an identity"
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
    echo '    - {name: temperature, reportToCloud: true, visitors: {protocolName: ble, configData: {characteristicUUID: "2a6e"}}}'
    echo '    - {name: pressure, visitors: {protocolName: ble, configData: {characteristicUUID: "2a6d"}}}'
    echo '    - {name: led, desired: {value: "true"}, visitors: {protocolName: ble, configData: {characteristicUUID: "2a56"}}}'
  done
} >"$work/devices.yaml"
echo "\$ edgeid-mapper run --device-file devices.yaml --manufacturer-roots maker/root.pem \\"
echo "    --mqtt-host 127.0.0.1 --mqtt-port $mqtt_port --mqtt-broker-id spiffe://example.org/mqtt/broker"
"$mapper" run --agent-address "$socket" --device-file "$work/devices.yaml" \
  --manufacturer-roots "$work/maker/root.pem" --mqtt-host 127.0.0.1 --mqtt-port "$mqtt_port" \
  --mqtt-broker-id spiffe://example.org/mqtt/broker >"$work/mapper.log" 2>&1 &
mapper_pid=$!
pids+=("$mapper_pid")
wait_for_log "$work/mapper.log" "$mapper_pid" "not attested"
grep -m 1 "not attested" "$work/mapper.log" | sed 's/^/   mapper| /'

step "Registering the mapper and the devices (the helper provisions them) with the server's CLI"
show entry create --parent-id spiffe://example.org/edge/node-1 \
  --spiffe-id spiffe://example.org/mapper/ble --selector "unix:uid:$(id -u)" \
  --selector "unix:path:$(readlink -f "$mapper")"
for d in thermo-1 fake-1; do
  register_helper_identity "spiffe://example.org/device/$d" "$d"
done

step "The mapper is attested and connects to the broker with its SVID"
wait_for_log "$work/mapper.log" "$mapper_pid" "attested as"
wait_for_log "$work/mapper.log" "$mapper_pid" "mqtt: connected"
grep -E -m 3 "attested as|mqtt: connect" "$work/mapper.log" | sed 's/^/   mapper| /'
grep -m 1 "is spiffe://example.org/mapper/ble" "$work/mosquitto.log" | sed 's/^/   mosquitto| /'

step "edgeid-helper provisions each device's SVID"
for d in thermo-1 fake-1; do
  install_svid "$d" "$work/devices/$d/identity"
done

step "The devices boot"
for d in thermo-1 fake-1; do
  echo "\$ edgeid-devsim run --device-dir devices/$d --allowed-mapper-id spiffe://example.org/mapper/ble"
  "$devsim" run --device-dir "$work/devices/$d" --sample-period-ms 500 \
    --allowed-mapper-id spiffe://example.org/mapper/ble >"$work/devsim-$d.log" 2>&1 &
  pids+=("$!")
  wait_for_log "$work/devsim-$d.log" "${pids[-1]}" "advertising on"
done
thermo_pid=${pids[-2]}

step "The mapper authenticates thermo-1's secure element, pairs, and publishes over mTLS"
wait_for_log "$work/mapper.log" "$mapper_pid" "thermo-1: genuine"
wait_for_log "$work/devsim-thermo-1.log" "$thermo_pid" "paired with"
grep -E "thermo-1: genuine" "$work/mapper.log" | sed 's/^/   mapper| /'
grep -E -m 1 "paired" "$work/devsim-thermo-1.log" | sed 's/^/   thermo-1| /'

step "The cloud's subscriber (an SVID too) shows temperature and pressure"
wait_for_log "$work/cloud-sub.log" "$mapper_pid" '"pressure"'
wait_for_log "$work/cloud-sub.log" "$mapper_pid" "twin/update"
grep -m 1 '"temperature"' "$work/cloud-sub.log" | sed 's/^/   cloud| /'
grep -m 1 '"pressure"' "$work/cloud-sub.log" | sed 's/^/   cloud| /'
grep -m 1 'twin/update' "$work/cloud-sub.log" | sed 's/^/   cloud| /'

step "The counterfeit fake-1 is refused; nothing of it is published"
wait_for_log "$work/mapper.log" "$mapper_pid" "fake-1: REFUSED"
grep "fake-1: REFUSED" "$work/mapper.log" | sed 's/^/   mapper| /'
if grep -q fake-1 "$work/cloud-sub.log"; then
  echo "FAILED: the counterfeit device's readings were published" >&2
  exit 1
fi
echo "   no message about fake-1 reached the broker, as it must be"

step "MQTT clients without a SPIFFE identity the broker accepts are refused"
forged='{"data":{"temperature":{"value":"99.9"}}}'
try_forged_publish() {  # WHAT, then mosquitto_pub's certificate options
  local what=$1
  shift
  echo "\$ mosquitto_pub $* -t '\$ke/events/device/default/thermo-1/data/update' ...   ($what)"
  local seen
  seen=$(wc -l <"$work/mosquitto.log")
  if mosquitto_pub -h localhost -p "$mqtt_port" -V mqttv5 -q 1 \
    --cafile "$work/mqtt/cloud/svid_bundle.pem" "$@" \
    -t '$ke/events/device/default/thermo-1/data/update' -m "$forged" >"$work/forged.log" 2>&1; then
    echo "FAILED: $what published" >&2
    exit 1
  fi
  sed 's/^/   mosquitto_pub| /' "$work/forged.log"
  sleep 0.1
  tail -n +"$((seen + 1))" "$work/mosquitto.log" | grep -E "OpenSSL Error|refused client" |
    sed 's/^[0-9]*: /   mosquitto| /'
}
try_forged_publish "no client certificate"
try_forged_publish "node-1's certificate: another CA, no SPIFFE ID" \
  --cert "$work/nodes/node-1.pem" --key "$work/nodes/node-1.key"
try_forged_publish "a valid SVID that no ACL rule names" \
  --cert "$work/workload/svid.0.pem" --key "$work/workload/svid.0.key"
try_forged_publish "the cloud's SVID with the mapper's client ID (a session takeover)" \
  --cert "$work/mqtt/cloud/svid.pem" --key "$work/mqtt/cloud/svid_key.pem" \
  -i spiffe://example.org/mapper/ble
if grep -q "99.9" "$work/cloud-sub.log"; then
  echo "FAILED: a forged reading arrived" >&2
  exit 1
fi
echo "   all refused, as they must be; no forged reading arrived"

step "A desired LED state from the cloud flows back to the device"
wait_for_log "$work/devsim-thermo-1.log" "$thermo_pid" "LED switched on"
delta='{"event_id":"demo-1","timestamp":'"$(date +%s%3N)"',"delta":{"led":"false"}}'
echo "\$ mosquitto_pub --cert cloud/svid.pem -t '\$hw/events/device/default/thermo-1/twin/update/delta' -m '$delta'"
mosquitto_pub "${cloud_args[@]}" -i 'spiffe://example.org/cloud/telemetry#desired' \
  -t '$hw/events/device/default/thermo-1/twin/update/delta' -m "$delta"
wait_for_log "$work/devsim-thermo-1.log" "$thermo_pid" "LED switched off"
grep -m 1 "twin delta" "$work/mapper.log" | sed 's/^/   mapper| /'
grep -E "LED" "$work/devsim-thermo-1.log" | sed 's/^/   thermo-1| /'

echo
echo "== Stopping every process"
stop_all
pids=()
trap - EXIT
echo "   server| $(tail -n 1 "$work/server.log")"
echo "   mapper| $(tail -n 1 "$work/mapper.log")"
echo
echo "Done in $(($(date +%s) - started_at)) s (after the build). Logs, keys (mode 0600), SVIDs and bundles are in $work."
