#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-k8s-schema.sh - tools/k8s/*.yaml validate offline against the
# Kubernetes API schema (npm's kubernetes-models, installed at test time
# into the build output, .output/npm, not globally; the npm registry is
# the only network use), and a broken copy does not: the validator runs.
set -o pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NPM_DIR=$ROOT/.output/npm
MODELS=kubernetes-models@5.1.0
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
for tool in node npm python3; do
	command -v $tool >/dev/null || fail "missing $tool (run make deps)"
done
python3 -c 'import yaml' 2>/dev/null || fail "missing python3-yaml (run make deps)"
mkdir -p "$NPM_DIR"
if ! grep -qs '"version": "5.1.0"' "$NPM_DIR/node_modules/kubernetes-models/package.json"; then
	npm install --prefix "$NPM_DIR" --no-audit --no-fund --no-save $MODELS \
		>"$NPM_DIR/install.log" 2>&1 || fail "npm install $MODELS: $(tail -3 "$NPM_DIR/install.log")"
fi
# ESM resolves packages from the script's own directory.
cp "$ROOT/selftests/k8s-validate.mjs" "$NPM_DIR/"
to_json() { python3 -c 'import json, sys, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d], sys.stdout)'; }

for f in "$ROOT"/tools/k8s/*.yaml; do
	to_json <"$f" | node "$NPM_DIR/k8s-validate.mjs" || fail "$f does not validate"
done
sed 's/terminationGracePeriodSeconds: [0-9]*/terminationGracePeriodSeconds: "soon"/' \
	"$ROOT/tools/k8s/kflow.yaml" | to_json | node "$NPM_DIR/k8s-validate.mjs" >/dev/null &&
	fail "a manifest with a string grace period validated: the validator checks nothing"
echo "ok: manifests valid"
