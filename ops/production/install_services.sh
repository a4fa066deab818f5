#!/usr/bin/env bash
# The Debian packages the production profile's local cluster starts (orchestration/local_cluster.py):
# PostgreSQL's server binaries and RabbitMQ (with Erlang's epmd). Idempotent: does nothing when
# they are there. CI runs as root on a fresh machine and installs them here; anyone else is told
# the command. Neither package's service is started: the cluster starts its own, in a temp folder.
set -euo pipefail
missing=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi
if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || ! command -v epmd >/dev/null; then missing+=(rabbitmq-server); fi
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "the distributed profile needs: ${missing[*]}; as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing Debian's ${missing[*]} (the distributed profile's PostgreSQL and broker)"
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
