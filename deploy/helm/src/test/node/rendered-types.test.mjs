// Every object the chart renders, in every value set, must be a valid object of its Kubernetes API type (the
// OpenAPI schemas that kubernetes-models compiles: field types, formats, required fields, enums). Unknown fields are
// not flagged by these schemas; RenderedChartTest reads the fields that matter at their exact paths.
// Run by check-chart.sh: RENDERED_DIR=<dir of helm template outputs> node --test rendered-types.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";

// The kinds the chart may render; a new kind must be added here to be checked.
const MODELS = new Map([Secret, Service, StatefulSet, PodDisruptionBudget, ServiceMonitor]
  .map((model) => [`${model.apiVersion}/${model.kind}`, model]));

const dir = process.env.RENDERED_DIR;
assert.ok(dir, "RENDERED_DIR must name the folder of rendered value sets");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
assert.ok(files.length > 0, `no rendered value sets in ${dir}`);

for (const file of files) {
  const docs = parseAllDocuments(readFileSync(join(dir, file), "utf8"));
  for (const doc of docs) {
    assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
    const object = doc.toJS();
    if (object == null) continue;
    const type = `${object.apiVersion}/${object.kind}`;
    test(`${file}: ${type} ${object.metadata?.name}`, () => {
      const Model = MODELS.get(type);
      assert.ok(Model, `${type} is not a kind the chart is known to render`);
      new Model(object).validate();
    });
  }
}
