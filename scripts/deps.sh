#!/usr/bin/env bash
# Installs every Debian package edgeid builds, tests, fuzzes and benchmarks with.
# Idempotent: prints nothing and touches nothing when all packages are present.
set -euo pipefail

packages=(
  # toolchain
  build-essential g++ cmake ninja-build ccache pkg-config git
  clang-14 libclang-rt-14-dev clang-format clang-tidy
  # libraries (see docs/architecture.md for what each is used for)
  libssl-dev nlohmann-json3-dev libcli11-dev libsqlite3-dev libpq-dev libtomlplusplus-dev libcpp-httplib-dev libspdlog-dev
  libyaml-cpp-dev libmosquitto-dev mosquitto-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # HTTP/2 in the benchmark floor of an agent without gRPC C++ (bench/agent_floor_without_grpc)
  libnghttp2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # independent verifiers used by tests, scripts and benchmarks
  openssl python3 postgresql mosquitto mosquitto-clients
  # setpriv (test children die with their test) and stdbuf
  util-linux coreutils
  # the independent Workload API client of the tests (/usr/bin/python3 with grpcio)
  python3-grpcio python3-grpc-tools
  # a cloud IAM's independent JWT-SVID verification in the federation tests
  python3-jwt
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
