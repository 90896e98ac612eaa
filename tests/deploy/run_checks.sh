#!/usr/bin/env bash
# Static checks of docker/ and deploy/ (tests/deploy/check_manifests.py):
# Kubernetes manifests, compose files, Prometheus and Grafana provisioning,
# dashboard PromQL, Dockerfiles. No Docker engine or cluster is needed.
# usage: tests/deploy/run_checks.sh [REPO_ROOT]
# Needs: python3-yaml; uses promtool (package prometheus) and, when present,
# python3-jsonschema + docker-compose's compose_spec.json for more checks.
set -euo pipefail
ROOT="$(cd "${1:-$(dirname "$0")/../..}" && pwd)"
exec /usr/bin/python3 "$ROOT/tests/deploy/check_manifests.py" "$ROOT"
