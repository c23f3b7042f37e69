#!/usr/bin/env bash
# Installs every Debian package dcoc needs. Idempotent: packages already present are skipped, and
# `apt-get update` runs only when something is missing. Run as root (or with sudo available).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries the core needs
  libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # hardware flow
  verilator yosys libsystemc-dev
  # tuning, models, boards, measurement farm
  libtorch-dev libxgboost-dev libonnx-dev libxrt-dev libboost-dev libboost-system-dev
  # measurement farm: OpenSSL (HMAC-SHA256, TLS; the openssl command makes the tests' certificates),
  # and a real Slurm for its scale-out test (label slurm)
  libssl-dev openssl slurm-wlm munge
  # models: ONNX's test data (float executor checks), Fashion-MNIST, torchvision's networks (export script)
  libprotobuf-dev zlib1g-dev libonnx-testdata dataset-fashion-mnist python3-torchvision
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
