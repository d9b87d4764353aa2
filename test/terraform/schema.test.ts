// terraform/ against the real google provider schema (6.50.0, from @cdktf/provider-google's .jsii) and
// Terraform's own formatter: the part of `terraform validate` that catches typos, with no provider binary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../support/python.js";
import { loadConfig, terraformDir } from "./support/hcl.js";
import { loadProviderSchema, type ProviderSchema } from "./support/provider-schema.js";
import { checkConfig } from "./support/schema-check.js";
import { ensureTools, jsiiPath } from "./support/tools.js";

let cached: ProviderSchema | undefined;
function provider(): ProviderSchema {
  ensureTools();
  cached ??= loadProviderSchema(jsiiPath);
  return cached;
}

test("terraform/ is formatted as `terraform fmt` writes it", () => {
  execFileSync("bash", [path.join(repoRoot, "scripts", "terraform-check.sh"), "fmt"], { stdio: ["ignore", "pipe", "pipe"] });
});

test("the schema is the google provider's, version 6.50.0, with the types this deployment uses", () => {
  const schema = provider();
  assert.equal(schema.version, "6.50.0");
  assert.ok(Object.keys(schema.resources).length > 1000, "about 1,100 resource types");
  const run = schema.resources.google_cloud_run_v2_service;
  assert.equal(run.arguments.location, true);
  assert.equal(run.blocks.template.required, true);
  assert.ok("max_instance_count" in run.blocks.template.schema.blocks.scaling.schema.arguments);
  assert.ok(run.exported.has("uri"));
});

test("every resource type, argument, block, required argument and reference in terraform/ is valid", async () => {
  const errors = checkConfig(await loadConfig(), provider());
  assert.deepEqual(errors, []);
});

test("the check catches the typos `terraform validate` would", async () => {
  const read = (f: string) => readFileSync(path.join(terraformDir, f), "utf8");
  const swap = (text: string, from: string, to: string) => {
    assert.ok(text.includes(from), `fixture text ${JSON.stringify(from)} is gone: update this test`);
    return text.replace(from, to);
  };
  let services = read("services.tf");
  services = swap(services, "deletion_protection = false", "deletion_protecton = false");
  services = swap(services, "cpu_idle          = !contains", "cpu_idel = !contains");
  services = swap(services, "startup_probe {", "startup_prob {");
  services = swap(services, 'dynamic "env"', 'dynamic "envs"');
  services = swap(services, 'location            = var.region', "");
  services = swap(services, "terraform_data.image[each.key].output", "terraform_data.image[each.key].outputs");
  let pubsub = read("pubsub.tf");
  pubsub = swap(pubsub, 'resource "google_pubsub_topic" "dead_letter"', 'resource "google_pubsub_topics" "dead_letter"');
  pubsub = swap(pubsub, ".uri}/dead-letter", ".url}/dead-letter");
  pubsub = swap(pubsub, "var.pubsub.retention", "var.pubsub_retention");
  const errors = checkConfig(await loadConfig(terraformDir, { "services.tf": services, "pubsub.tf": pubsub }), provider()).join("\n");
  for (const expected of [
    /google_cloud_run_v2_service\.service: unsupported argument or block "deletion_protecton"/,
    /template\.containers\.resources: unsupported argument or block "cpu_idel"/,
    /template\.containers: unsupported argument or block "startup_prob"/,
    /dynamic "envs": no such block/,
    /google_cloud_run_v2_service\.service: required argument "location" is missing/,
    /terraform_data\.image has no attribute "outputs"/,
    /no resource type "google_pubsub_topics"/,
    /reference to undeclared google_pubsub_topic\.dead_letter/,
    /google_cloud_run_v2_service\.service has no attribute "url"/,
    /undeclared variable var\.pubsub_retention/,
  ]) {
    assert.match(errors, expected);
  }
});
