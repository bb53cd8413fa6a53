#!/usr/bin/env bash
# Build and run the Docker image with podman where there is no Docker engine and no image
# registry (CI's and the developers' machines): Debian's podman with runc, and a stand-in
# for the python:3.11-slim base made from Debian packages by debootstrap. Shared by
# tests/deploy/test_docker_image.py and .ci/run; safe to run again (the stand-in base and
# podman's layer cache are kept and reused).
#
#   podman.sh install     install podman, runc and debootstrap if missing (apt)
#   podman.sh check       exit 0 if podman can run here, else say why on stdout
#   podman.sh build TAG   make the stand-in base if missing, then build the image as TAG
#   podman.sh run ARGS    podman ARGS with this machine's settings (CONTAINERS_CONF)
set -euo pipefail

HERE=${BASH_SOURCE[0]%/*}
[[ $HERE == "${BASH_SOURCE[0]}" ]] && HERE=.
REPO=$(cd "$HERE/../.." && pwd)
STATE=${SHORTLIST_PODMAN_DIR:-/var/tmp/shortlist-podman}
BASE=docker.io/library/python:3.11-slim
RECIPE=2  # the stand-in base's recipe (base below): raise it when that changes
CA=/etc/ssl/certs/ca-certificates.crt

settings() {
  mkdir -p "$STATE"
  # The default rlimits are refused here, and crun rejects this machine's cgroup setup.
  cat > "$STATE/containers.conf.$$" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
EOF
  mv "$STATE/containers.conf.$$" "$STATE/containers.conf"  # concurrent calls: each its own
  export CONTAINERS_CONF="$STATE/containers.conf"
}

install() {
  local missing=()
  for tool in podman runc debootstrap; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  podman --version
}

check() {
  for tool in podman runc; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed (podman.sh install)"; return 1; }
  done
  settings
  local out
  if ! out=$(podman info 2>&1 >/dev/null); then
    echo "podman cannot run here: ${out:0:300}"
    return 1
  fi
  if ! podman image exists "$BASE" && ! command -v debootstrap >/dev/null 2>&1; then
    echo "no $BASE image and no debootstrap to make a stand-in"
    return 1
  fi
}

base() {
  # The recipe's version is in the stand-in's own tag: a changed recipe makes it again.
  local made=localhost/shortlist-base:$RECIPE
  podman image exists "$made" && podman image exists "$BASE" && return 0
  exec 9>"$STATE/base.lock"
  flock 9  # two test runs at once make it once
  podman image exists "$made" && podman image exists "$BASE" && return 0
  local rootfs="$STATE/rootfs.$$"
  [[ $rootfs == /?*/rootfs.* ]] || return 1  # never clean anything but our own folder
  rm -rf "$rootfs"
  echo "making a stand-in for $BASE with debootstrap (once per machine)" >&2
  # What python:3.11-slim offers the Dockerfile: python (3.11 on bookworm), venv, pip.
  debootstrap --variant=minbase \
    --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates,netbase,tzdata \
    bookworm "$rootfs" http://deb.debian.org/debian >"$STATE/debootstrap.log" 2>&1 \
    || { tail -20 "$STATE/debootstrap.log" >&2; return 1; }
  # As Debian's own slim images: no docs, man pages or translations, and apt keeps no
  # downloaded packages (else a layer that installs packages holds them twice).
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
    > "$rootfs/etc/dpkg/dpkg.cfg.d/docker"
  local clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"'
  printf '%s\n' "DPkg::Post-Invoke { $clean; };" "APT::Update::Post-Invoke { $clean; };" \
    'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' \
    > "$rootfs/etc/apt/apt.conf.d/docker-clean"
  (cd "$rootfs/usr/share" && find doc -type f ! -name copyright -delete \
    && rm -rf man/* info/* && find locale -mindepth 1 -maxdepth 1 ! -name locale.alias \
    -exec rm -rf {} +)
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$made" >/dev/null
  podman tag "$made" "$BASE"
  rm -rf "$rootfs"
}

build() {
  local tag=${1:?usage: podman.sh build TAG}
  settings
  base
  # pip inside the build must trust the same certificates as this machine.
  printf '[global]\ncert = %s\n' "$CA" > "$STATE/pip.conf"
  local before
  before=$(podman image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  podman build --format docker --pull=never --build-arg "PYTHON_IMAGE=$BASE" \
    -v "$CA:$CA:ro" -v "$STATE/pip.conf:/etc/pip.conf:ro" -t "$tag" "$REPO"
  # The image this tag named before is left unnamed: drop it (its layers still in use stay).
  if [[ -n $before && $before != "$(podman image inspect -f '{{.Id}}' "$tag")" ]]; then
    podman rmi "$before" >/dev/null 2>&1 || true
  fi
}

command=${1:-}
shift || true
case "$command" in
  install) install ;;
  check) check ;;
  build) build "$@" ;;
  run) settings; exec podman "$@" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
