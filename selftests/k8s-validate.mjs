// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// k8s-validate.mjs - offline validation of Kubernetes manifests against the
// API's schema, with npm's kubernetes-models (its per-kind validators are
// the OpenAPI schema of the API server). Reads a JSON array of objects on
// stdin (python3-yaml converts the YAML: see test-k8s-schema.sh); prints one
// line per object, and exits 1 if any is invalid or of an unknown kind.
import { readFileSync } from "node:fs";

const docs = JSON.parse(readFileSync(0, "utf8"));
let bad = 0;
for (const [i, doc] of docs.entries()) {
	const what = `#${i} ${doc.kind} ${doc.metadata?.name ?? "(no name)"}`;
	// "apps/v1" -> kubernetes-models/apps/v1/Kind, "v1" -> kubernetes-models/v1/Kind
	const mod = `kubernetes-models/${doc.apiVersion}/${doc.kind}`;
	let Model;
	try {
		Model = (await import(mod))[doc.kind];
	} catch (e) {
		console.log(`INVALID ${what}: no model ${mod}: ${e.message}`);
		bad++;
		continue;
	}
	try {
		new Model(doc).validate();
		console.log(`valid ${what}`);
	} catch (e) {
		console.log(`INVALID ${what}: ${e.message}`);
		bad++;
	}
}
process.exit(bad ? 1 : 0);
