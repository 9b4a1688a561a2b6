#!/usr/bin/env bash
# Runs the benchmarks in bench/ and prints every figure beside the raw OpenSSL rates (and, for
# the device link, a raw UNIX socket) measured in the same run. Extra arguments go to Google Benchmark
# (e.g. --benchmark_filter=Mint). Then a real edgeid-server is loaded by bench/server_bench
# (EDGEID_BENCH_SKIP_SERVER=1 skips it), a real edgeid-agent by bench/agent_bench
# (EDGEID_BENCH_SKIP_AGENT=1 skips it), and the telemetry chain (devices, mapper, Mosquitto) by
# bench/telemetry_bench (EDGEID_BENCH_SKIP_TELEMETRY=1 skips it). Results:
# build/release/bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
# Paths relative to the checkout let ccache reuse objects across clones (CI builds a fresh one).
export CCACHE_BASEDIR="$PWD"
cmake --preset release >/dev/null
cmake --build --preset release --target spiffe_bench datastore_bench device_bench server_bench \
  agent_bench telemetry_bench edgeid-server edgeid-agent edgeid-helper edgeid-devsim edgeid-mapper \
  edgeid_mosquitto_spiffe | tail -n 1

results=build/release/bench/results
mkdir -p "$results"
build/release/bench/spiffe_bench --benchmark_min_time="${EDGEID_BENCH_MIN_TIME:-0.5}" \
  --benchmark_repetitions="${EDGEID_BENCH_REPETITIONS:-5}" --benchmark_report_aggregates_only=true \
  --benchmark_out="$results/spiffe.json" --benchmark_out_format=json "$@"
/usr/bin/python3 bench/report.py "$results/spiffe.json"

# The IoT chain: device authentication, pairing, sealed notifications, beside raw OpenSSL and a
# raw UNIX socket measured in the same run.
build/release/bench/device_bench --benchmark_min_time="${EDGEID_BENCH_MIN_TIME:-0.5}" \
  --benchmark_repetitions="${EDGEID_BENCH_REPETITIONS:-5}" --benchmark_report_aggregates_only=true \
  --benchmark_out="$results/device.json" --benchmark_out_format=json
/usr/bin/python3 bench/device_report.py "$results/device.json"

# The server's entry snapshot over SQLite with 10,000 entries.
build/release/bench/datastore_bench --benchmark_min_time="${EDGEID_BENCH_MIN_TIME:-0.5}" \
  --benchmark_out="$results/datastore.json" --benchmark_out_format=json

# A real edgeid-server process under load over its admin socket and TLS agent API.
if [[ -z "${EDGEID_BENCH_SKIP_SERVER:-}" ]]; then
  build/release/bench/server_bench build/release/cmd/edgeid-server/edgeid-server \
    "${EDGEID_BENCH_SERVER_SECONDS:-5}" | tee "$results/server.txt"
fi

# A real edgeid-agent in front of a real server: Workload API latency, open streams, memory.
if [[ -z "${EDGEID_BENCH_SKIP_AGENT:-}" ]]; then
  build/release/bench/agent_bench build/release/cmd/edgeid-server/edgeid-server \
    build/release/cmd/edgeid-agent/edgeid-agent | tee "$results/agent.txt"
fi

# The telemetry chain: N devices -> edgeid-mapper -> Mosquitto (SPIFFE plugin) -> a subscriber,
# beside mosquitto_pub -> mosquitto_sub on the same broker.
if [[ -z "${EDGEID_BENCH_SKIP_TELEMETRY:-}" ]]; then
  bin=build/release/cmd
  build/release/bench/telemetry_bench "$bin/edgeid-server/edgeid-server" \
    "$bin/edgeid-agent/edgeid-agent" "$bin/edgeid-helper/edgeid-helper" \
    "$bin/edgeid-devsim/edgeid-devsim" "$bin/edgeid-mapper/edgeid-mapper" \
    "$(readlink -f build/release/src/mqtt/mosquitto_plugin/edgeid_mosquitto_spiffe.so)" \
    "${EDGEID_BENCH_TELEMETRY_DEVICES:-10}" "${EDGEID_BENCH_TELEMETRY_SECONDS:-10}" memory |
    tee "$results/telemetry.txt"
  # The same with the mapper's on-disk queue (journal, fdatasync per message).
  build/release/bench/telemetry_bench "$bin/edgeid-server/edgeid-server" \
    "$bin/edgeid-agent/edgeid-agent" "$bin/edgeid-helper/edgeid-helper" \
    "$bin/edgeid-devsim/edgeid-devsim" "$bin/edgeid-mapper/edgeid-mapper" \
    "$(readlink -f build/release/src/mqtt/mosquitto_plugin/edgeid_mosquitto_spiffe.so)" \
    "${EDGEID_BENCH_TELEMETRY_DEVICES:-10}" "${EDGEID_BENCH_TELEMETRY_SECONDS:-10}" disk |
    tee -a "$results/telemetry.txt"
fi
