// The deployment wires what the runtime expects: topics, push endpoints, environment, workflow URLs,
// service accounts; nothing is public unless asked for; the README lists every grant. The runtime's side
// is read from its source (support/runtime-source.ts), so a change there that Terraform misses fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../support/python.js";
import { block, loadConfig, resource, strings, type Body, type TerraformConfig } from "./support/hcl.js";
import { stageTopics } from "../../adapters/gcp/pubsub-queue.js";
import { FAN_OUT, PIPELINE, SERVICES, STAGES, stagesRunBy } from "../../core/pipeline/stages.js";
import { serviceConfigFromEnv } from "../../cloud-runtime/service-deps.js";
import { STEP_NAMES } from "../../cloud-runtime/step-args.js";
import { envReads, importClosure, postRoutes, read, startedService, workflowEnvReads, workflowSequence } from "./support/runtime-source.js";
import { SERVICE_NODE_FLAGS } from "../../cloud-runtime/node-flags.js";

let cached: Promise<TerraformConfig> | undefined;
const config = () => (cached ??= loadConfig());

const TASK_SERVICES: readonly string[] = SERVICES;
/** Services with a task topic (its dead letters pushed to /dead-letter): the task services, and fiji's batch tasks when enable_fiji. */
const QUEUED_SERVICES = "${concat(local.task_services, var.enable_fiji ? [\"fiji\"] : [])}";
/** Of those, fiji pulls its tasks with fiji_delivery = "pull"; the others are pushed to /tasks. */
const PULLED_SERVICES = '${var.enable_fiji && var.fiji_delivery == "pull" ? ["fiji"] : []}';
const PUSHED_SERVICES = "${[for name in local.queued_services : name if !contains(local.pulled_services, name)]}";
const SERVICE_ENV_FOR_EACH = '${each.key == "fiji" ? tomap(merge(local.fiji_env, local.fiji_pull_env)) : tomap(local.service_env)}';
/** local.fiji_pull_env: the pull subscription's name, for fiji only, only when it pulls. */
const FIJI_PULL_ENV = '${{ for name in local.pulled_services : "FIJI_PULL_SUBSCRIPTION" => google_pubsub_subscription.pull[name].id if name == "fiji" }}';

/** Read by the runtime, deliberately not set by Terraform. */
const NOT_SET: Record<string, string> = {
  PORT: "Cloud Run sets it (container_port)",
  HOST: "on Cloud Run (K_SERVICE set) the default is 0.0.0.0, which is what it needs",
  K_SERVICE: "Cloud Run sets it: the service then listens on every interface",
  GCLOUD_PROJECT: "an alias of GOOGLE_CLOUD_PROJECT, which is set",
  EMULATOR_PROJECT: "emulators only",
  EMINGEST_PROBE_FILE: "benches only: the per-step CPU probe (cloud-runtime/service-probe.ts), refused on Cloud Run",
  STORAGE_API_ENDPOINT: "emulators only (fake-gcs-server)",
  FIRESTORE_EMULATOR_HOST: "emulators only",
  PUBSUB_EMULATOR_HOST: "emulators only",
  WORKFLOWS_ENDPOINT: "emulators only",
  OPERATION_COUNTS_FILE: "benches and tests only: the counted scale run (cloud-runtime/operation-counts.ts)",
};

function literalKeys(value: unknown, what: string): string[] {
  assert.ok(value !== null && typeof value === "object" && !Array.isArray(value), `${what} must be a literal map`);
  return Object.keys(value as object).sort();
}

/** Read by the fiji service, deliberately not set by Terraform: the image sets them, or the default is right. */
const FIJI_NOT_SET: Record<string, string> = {
  FIJI_EXECUTABLES: "image",
  FIJI_READ_ONLY_PATHS: "the image keeps Fiji in /opt, outside the folders a job gets private copies of",
  FIJI_RUN_AS: "image",
  FIJI_SCRATCH_ROOT: "image",
  FIJI_JAVA_HEAP_MB: "image",
  FIJI_ADDRESS_SPACE_MB: "default: no address-space limit (the JVM heap and Cloud Run's memory limit bound it)",
  FIJI_XVFB: "default: off (Fiji's --headless needs no display)",
  FIJI_MAX_LOG_BYTES: "default: 1 MiB of each log",
  FIJI_MAX_INLINE_BYTES: "default: 4 MiB per inline file",
  FIJI_MAX_FILES: "default: 256 files per map",
  JAVA_TOOL_OPTIONS: "written, not read: the sandbox sets it in the job's environment from FIJI_JAVA_HEAP_MB",
};

function checkEnv(deployable: string, entry: string, setNames: string[], notSet: Record<string, string> = {}) {
  const reads = envReads(importClosure(entry));
  assert.ok(reads.size > 3, `${entry}: found only ${[...reads.keys()]} as environment reads`);
  const missing = [...reads.keys()].filter((n) => !setNames.includes(n) && !(n in NOT_SET) && !(n in notSet));
  assert.deepEqual(missing, [], `${deployable} reads ${missing.map((n) => `${n} (${reads.get(n)})`).join(", ")} but Terraform does not set it`);
  const unread = setNames.filter((n) => !reads.has(n));
  assert.deepEqual(unread, [], `${deployable}: Terraform sets ${unread.join(", ")}, which nothing reads`);
}

test("every environment variable the services read is set on their Cloud Run services", async () => {
  const c = await config();
  const containers = block(block(resource(c, "google_cloud_run_v2_service", "service"), "template"), "containers");
  const dynamicEnv = ((containers.dynamic as Body).env as Body[])[0];
  assert.equal(dynamicEnv.for_each, SERVICE_ENV_FOR_EACH);
  const names = literalKeys(c.locals.service_env, "local.service_env");
  for (const service of TASK_SERVICES) checkEnv(`services/${service}`, `services/${service}/server.ts`, names);
});

test("the fiji service gets what services/fiji reads: its own environment, the image's, and its push wiring", async () => {
  const c = await config();
  const env = c.locals.fiji_env as Body;
  assert.equal(c.locals.fiji_pull_env, FIJI_PULL_ENV);
  const pullEnv = [...FIJI_PULL_ENV.matchAll(/"([A-Z_]+)" =>/g)].map((m) => m[1]);
  checkEnv("services/fiji", "services/fiji/server.ts", [...literalKeys(env, "local.fiji_env"), ...pullEnv], FIJI_NOT_SET);
  // What "image" leaves to the Dockerfile is set there.
  const dockerfile = read("services/fiji/Dockerfile");
  for (const [name, why] of Object.entries(FIJI_NOT_SET)) {
    if (why === "image") assert.match(dockerfile, new RegExp(`\\b${name}=\\S+`), `services/fiji/Dockerfile does not set ${name}`);
  }
  // Every bucket the fiji service account may use is allowed, and only those: the source buckets and the output.
  assert.equal(env.FIJI_BUCKETS, '${join(",", concat(local.source_buckets, [google_storage_bucket.output.name]))}');
  assert.match(String(c.locals.data_readers), /var\.enable_fiji \? \["fiji"\]/);
  // One job per Cloud Run request slot; a job ends before its request does.
  assert.equal(env.FIJI_MAX_JOBS, "${tostring(var.services.fiji.concurrency)}");
  assert.equal(env.FIJI_TIMEOUT_SECONDS, "${tostring(coalesce(var.services.fiji.job_timeout_seconds, max(1, var.services.fiji.timeout_seconds - 60)))}");
  assert.equal(env.RUNS_COLLECTION, (c.locals.service_env as Body).RUNS_COLLECTION, "batch run state where `emingest status` reads it");
  // Its batch tasks: a topic, an OIDC push subscription to /tasks with a dead-letter topic (queued and pushed
  // services, checked with the others below), the fiji service's routes, and the grants the push and records
  // need. The pull variant: the next test.
  assert.equal(c.locals.queued_services, QUEUED_SERVICES);
  assert.equal(c.locals.pushed_services, PUSHED_SERVICES);
  const app = read("services/fiji/app.ts");
  for (const route of ["/tasks", "/dead-letter"]) assert.ok(app.includes(`path === "${route}"`), `services/fiji/app.ts has no POST ${route}`);
  assert.match(String(resource(c, "google_project_iam_member", "firestore_user").for_each), /var\.enable_fiji \? \["fiji"\] : \[\]/);
  for (const [type, name] of [
    ["google_cloud_run_v2_service_iam_member", "pusher_invoker"],
    ["google_pubsub_topic_iam_member", "agent_dead_letter_publisher"],
  ]) {
    assert.equal(resource(c, type, name).for_each, "${toset(local.queued_services)}", `${type}.${name} must cover the fiji subscription too`);
  }
  assert.equal(resource(c, "google_pubsub_subscription_iam_member", "agent_subscriber").for_each, "${local.task_subscriptions}");
  // The topic `emingest fiji-batch` publishes to by default is the one Terraform names with the default prefix.
  assert.equal((c.variables.name_prefix as Body).default, "emingest");
  assert.match(read("cli/fiji-batch-command.ts"), /values\.topic \?\? "emingest-fiji"/);
  assert.equal(resource(c, "google_pubsub_topic", "tasks").name, "${var.name_prefix}-${each.key}");
});

test("fiji_delivery = \"pull\": a subscription with no push endpoint but the same retry and dead letter, named in the service's FIJI_PULL_SUBSCRIPTION, consumable by the fiji account alone, on an always-on instance", async () => {
  const c = await config();
  const variable = c.variables.fiji_delivery;
  assert.equal(variable.default, "push", "push stays the default");
  assert.equal(block(variable, "validation").condition, '${contains(["push", "pull"], var.fiji_delivery)}');
  assert.equal(c.locals.pulled_services, PULLED_SERVICES);
  // A service is pushed or pulled, never both: two subscriptions would each deliver every task.
  assert.equal(c.locals.pushed_services, PUSHED_SERVICES);
  assert.equal(resource(c, "google_pubsub_subscription", "tasks").for_each, "${toset(local.pushed_services)}");

  const pull = resource(c, "google_pubsub_subscription", "pull");
  assert.equal(pull.for_each, "${toset(local.pulled_services)}");
  assert.equal(pull.topic, "${google_pubsub_topic.tasks[each.key].id}");
  assert.ok(!("push_config" in pull), "a pull subscription has no push endpoint");
  assert.equal(pull.ack_deadline_seconds, 600);
  const push = resource(c, "google_pubsub_subscription", "tasks");
  assert.deepEqual(block(pull, "retry_policy"), block(push, "retry_policy"), "retried as a push is");
  assert.deepEqual(block(pull, "dead_letter_policy"), block(push, "dead_letter_policy"), "dead-lettered as a push is");
  assert.deepEqual(block(pull, "expiration_policy"), { ttl: "" });
  // Its dead letters are still pushed to the service's /dead-letter, which records them.
  assert.equal(resource(c, "google_pubsub_subscription", "dead_letter").for_each, "${toset(local.queued_services)}");

  // Terraform names the subscription; the service reads the name and pulls it (services/fiji/server.ts).
  assert.equal(c.locals.fiji_pull_env, FIJI_PULL_ENV);
  const containers = block(block(resource(c, "google_cloud_run_v2_service", "service"), "template"), "containers");
  assert.equal(((containers.dynamic as Body).env as Body[])[0].for_each, SERVICE_ENV_FOR_EACH);
  assert.ok(envReads(importClosure("services/fiji/server.ts")).has("FIJI_PULL_SUBSCRIPTION"));
  assert.match(read("services/fiji/config.ts"), /\benv\.FIJI_PULL_SUBSCRIPTION\b/);
  assert.match(read("services/fiji/server.ts"), /config\.pull && startFijiPull\(pubsubClient\(gcp\), config\.pull, /);

  // A pulled job has no request to outlive; a pushed one must end before its request does.
  const precondition = block(block(resource(c, "google_cloud_run_v2_service", "service"), "lifecycle"), "precondition");
  assert.equal(
    precondition.condition,
    '${each.key != "fiji" || var.fiji_delivery == "pull" || coalesce(var.services.fiji.job_timeout_seconds, 0) <= var.services.fiji.timeout_seconds - 60}',
  );

  // Pulling needs CPU outside requests and an instance no request has to start.
  const template = block(resource(c, "google_cloud_run_v2_service", "service"), "template");
  assert.equal(block(template, "scaling").min_instance_count, "${contains(local.pulled_services, each.key) ? 1 : 0}");
  assert.equal(block(containers, "resources").cpu_idle, "${!contains(local.pulled_services, each.key)}");

  // IAM: roles/pubsub.subscriber on that one subscription for the fiji account, granted before the service
  // starts pulling; the Pub/Sub agent may ack what it dead-letters from it, as from a push subscription.
  const grant = resource(c, "google_pubsub_subscription_iam_member", "service_subscriber");
  assert.deepEqual(grant, {
    for_each: "${toset(local.pulled_services)}",
    subscription: "${google_pubsub_subscription.pull[each.key].id}",
    role: "roles/pubsub.subscriber",
    member: "${google_service_account.component[each.key].member}",
  });
  assert.ok((resource(c, "google_cloud_run_v2_service", "service").depends_on as string[]).includes("${google_pubsub_subscription_iam_member.service_subscriber}"));
  const subs = String(c.locals.task_subscriptions);
  for (const kind of ["tasks", "pull"]) assert.match(subs, new RegExp(`\\{ for name, s in google_pubsub_subscription\\.${kind} : name => s\\.id \\}`));
  assert.equal(resource(c, "google_pubsub_subscription_iam_member", "agent_subscriber").subscription, "${each.value}");
  for (const r of c.resources.filter((r) => /_iam_member$/.test(r.type) && r.body.role === "roles/pubsub.subscriber")) {
    assert.equal(r.type, "google_pubsub_subscription_iam_member", `${r.type}.${r.name}: pubsub.subscriber wider than one subscription`);
  }
});

test("every environment variable the upload function reads is set on it", async () => {
  const c = await config();
  const service = block(resource(c, "google_cloudfunctions2_function", "ingest"), "service_config");
  assert.equal(service.environment_variables, "${local.function_env}");
  checkEnv("functions/ingest", "functions/ingest/index.ts", literalKeys(c.locals.function_env, "local.function_env"));
});

test("the workflow gets the service URLs from Terraform, and calls only steps the services have", async () => {
  const c = await config();
  const wf = resource(c, "google_workflows_workflow", "ingest");
  assert.match(String(wf.source_contents), /file\(.*\/workflows-yaml\/ingest\.yaml"\)/);
  assert.equal(wf.user_env_vars, "${local.workflow_env}");
  const env = c.locals.workflow_env as Body;
  assert.deepEqual(literalKeys(env, "local.workflow_env"), workflowEnvReads());
  assert.equal(env.ALIGN_URL, '${google_cloud_run_v2_service.service["align"].uri}');
  assert.equal(env.EMWRITE_URL, '${google_cloud_run_v2_service.service["emwrite"].uri}');
  // The function passes the same URLs on to the executions it starts.
  const fn = c.locals.function_env as Body;
  assert.equal(fn.ALIGN_URL, env.ALIGN_URL);
  assert.equal(fn.EMWRITE_URL, env.EMWRITE_URL);
  assert.equal(fn.WORKFLOW_NAME, "${google_workflows_workflow.ingest.name}");
  assert.equal(fn.WORKFLOW_LOCATION, "${var.region}");
  const steps: readonly string[] = STEP_NAMES;
  for (const m of read("workflows-yaml/ingest.yaml").matchAll(/"\/steps\/([a-z]+)"/g)) assert.ok(steps.includes(m[1]), `the workflow calls /steps/${m[1]}, which no service has`);
});

test("the workflow calls services only through service_step, with an OIDC token for the service's root URL", () => {
  const yaml = read("workflows-yaml/ingest.yaml");
  // Cloud Run checks the token's audience against the service URL; Workflows defaults it to the full URL.
  assert.equal([...yaml.matchAll(/call: http\./g)].length, 1, "one http call, in service_step");
  const step = /\nservice_step:\n {2}params: \[api, path, body\]\n[\s\S]*?\n(?=\S)/.exec(yaml)?.[0] ?? "";
  assert.match(step, /url: \$\{api \+ path\}/);
  assert.match(step, /auth:\n\s+type: OIDC\n\s+audience: \$\{api\}\n/);
  const calls = [...yaml.matchAll(/call: service_step\n\s+args:\n\s+api: (\S+)\n\s+path: "(\/steps\/[a-z]+)"/g)];
  assert.equal(calls.length, [...yaml.matchAll(/call: service_step/g)].length, "every service_step call passes api and path");
  for (const [, api] of calls) assert.ok(["${align_url}", "${emwrite_url}", "${api}"].includes(api), `service_step api ${api}`);
  assert.doesNotMatch(yaml.replace(step, ""), /\burl: /, "no service URL is built outside service_step");
});

test("every topic a deployable publishes to exists, and is the one its stages' service is pushed from", async () => {
  const c = await config();
  assert.deepEqual(c.locals.task_services, [...SERVICES]);
  const topics = resource(c, "google_pubsub_topic", "tasks");
  assert.equal(topics.for_each, "${toset(local.queued_services)}");
  for (const env of [c.locals.service_env as Body, c.locals.function_env as Body]) {
    for (const [name, value] of Object.entries(env).filter(([n]) => n.endsWith("_TOPIC"))) {
      const m = /^\$\{google_pubsub_topic\.tasks\["([a-z]+)"\]\.name\}$/.exec(String(value));
      assert.ok(m && (SERVICES as readonly string[]).includes(m[1]), `${name} = ${value} is not a declared task topic`);
    }
  }
  // stage -> its topic (the table) -> the topic name the runtime publishes it to, read from the environment
  // Terraform sets (serviceConfigFromEnv, stageTopics) -> the Terraform topic behind that variable ->
  // pushed to service[key] (next test) -> which must run the stage (the table, through startService).
  const env = c.locals.service_env as Body;
  const topicOfVariable = new Map(Object.entries(env).map(([n, v]) => [`value of ${n}`, /tasks\["([a-z]+)"\]/.exec(String(v))?.[1]]));
  const runtime = serviceConfigFromEnv(Object.fromEntries(Object.keys(env).map((n) => [n, `value of ${n}`])));
  const published = stageTopics(runtime.topics);
  assert.deepEqual(Object.keys(published), [...STAGES]);
  for (const stage of FAN_OUT) {
    const key = topicOfVariable.get(published[stage.name]);
    assert.equal(key, stage.topic, `stage ${stage.name} is published to ${published[stage.name]}, not to the ${stage.topic} topic`);
    assert.ok(stagesRunBy(key).includes(stage.name), `stage ${stage.name} goes to topic ${key}, pushed to services/${key}, which does not run it`);
  }
  for (const service of SERVICES) assert.equal(startedService(service), service, `services/${service}/server.ts does not start as "${service}"`);
});

test("the workflow runs the pipeline's steps in the table's order, each on the service that runs it", () => {
  assert.deepEqual(workflowSequence(), PIPELINE.map((s) => ({ step: s.name, api: s.service })));
  // What a step reads comes before it.
  PIPELINE.forEach((s, i) => {
    for (const before of s.after) assert.ok(PIPELINE.slice(0, i).some((p) => p.name === before), `${s.name} runs before ${before}, which it reads`);
  });
});

test("every push subscription points at its own service's route, with an OIDC token and a dead-letter topic", async () => {
  const c = await config();
  const routes = postRoutes();
  const expectations = [
    { name: "tasks", topic: "${google_pubsub_topic.tasks[each.key].id}", path: "/tasks", services: "pushed_services" },
    // Pulled tasks too: their dead letters are pushed.
    { name: "dead_letter", topic: "${google_pubsub_topic.dead_letter[each.key].id}", path: "/dead-letter", services: "queued_services" },
  ];
  for (const e of expectations) {
    const sub = resource(c, "google_pubsub_subscription", e.name);
    assert.equal(sub.for_each, `\${toset(local.${e.services})}`);
    assert.equal(sub.topic, e.topic);
    const push = block(sub, "push_config");
    assert.equal(push.push_endpoint, `\${google_cloud_run_v2_service.service[each.key].uri}${e.path}`);
    assert.ok(routes.includes(e.path), `cloud-runtime/app.ts has no POST ${e.path}`);
    const oidc = block(push, "oidc_token");
    assert.equal(oidc.service_account_email, '${google_service_account.component["pusher"].email}');
    assert.equal(oidc.audience, "${google_cloud_run_v2_service.service[each.key].uri}");
    block(sub, "retry_policy");
  }
  const dl = block(resource(c, "google_pubsub_subscription", "tasks"), "dead_letter_policy");
  assert.equal(dl.dead_letter_topic, "${google_pubsub_topic.dead_letter[each.key].id}");
  // The Pub/Sub service agent may publish to the dead-letter topics and ack on the source subscriptions.
  assert.equal(resource(c, "google_pubsub_topic_iam_member", "agent_dead_letter_publisher").member, "${local.pubsub_agent}");
  assert.equal(resource(c, "google_pubsub_subscription_iam_member", "agent_subscriber").member, "${local.pubsub_agent}");
  assert.equal(resource(c, "google_service_account_iam_member", "agent_token_creator").role, "roles/iam.serviceAccountTokenCreator");
});

test("align and emwrite are built from services/Dockerfile with their SERVICE, fiji from its own; each runs its own server on Cloud Run's port", async () => {
  const c = await config();
  const build = resource(c, "terraform_data", "image");
  assert.equal(build.for_each, "${local.images}");
  assert.match(String(c.locals.images), /^\$\{\{ for name in keys\(local\.run_services\) : name => /);
  assert.match(
    strings(build.provisioner ?? null).join(" "),
    / --config=terraform\/build\/image\.yaml --substitutions=_IMAGE=\$\{each\.value\},_DOCKERFILE=\$\{local\.dockerfiles\[each\.key\]\},_SERVICE=\$\{each\.key\},_GIT_DESCRIBE=\$\(git describe --always --dirty 2>\/dev\/null \|\| echo unknown\) /,
  );
  // The code version the volumes' provenance records comes in as a build argument (the upload has no .git).
  assert.match(
    read("terraform/build/image.yaml"),
    /args: \["build", "-f", "\$\{_DOCKERFILE\}", "--build-arg", "SERVICE=\$\{_SERVICE\}", "--build-arg", "EMINGEST_GIT_DESCRIBE=\$\{_GIT_DESCRIBE\}", "-t", "\$\{_IMAGE\}", "\."\]/,
  );
  // A Dockerfile for every service Terraform may deploy (fiji only with enable_fiji).
  assert.match(String(c.locals.run_services), /var\.enable_fiji \? \{ fiji = var\.services\.fiji \} : \{\}/);
  const deployable = [...String(c.locals.run_services).matchAll(/\b([a-z]+) = var\.services\.\1\b/g)].map((m) => m[1]);
  assert.deepEqual(deployable, [...TASK_SERVICES, "fiji"]);
  const dockerfiles = c.locals.dockerfiles as Record<string, string>;
  assert.deepEqual(literalKeys(dockerfiles, "local.dockerfiles"), [...deployable].sort());
  for (const service of TASK_SERVICES) assert.equal(dockerfiles[service], "services/Dockerfile");
  assert.equal(dockerfiles.fiji, "services/fiji/Dockerfile");
  const containers = block(block(resource(c, "google_cloud_run_v2_service", "service"), "template"), "containers");
  const port = block(containers, "ports").container_port;

  // The shared Dockerfile: SERVICE is declared in the final stage (an ARG is scoped to the stage declaring
  // it), checked by the build, and handed to CMD through the environment (exec form expands nothing).
  const shared = read("services/Dockerfile");
  assert.equal([...shared.matchAll(/^ARG SERVICE$/gm)].length, 1, "services/Dockerfile declares SERVICE once");
  const runtime = shared.slice(shared.lastIndexOf("\nFROM "));
  const order = [/^ARG SERVICE$/m, /^RUN case "\$SERVICE" in /m, /^ENV SERVICE=\$SERVICE$/m, /^CMD /m].map((re) => runtime.search(re));
  assert.ok(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1])), `services/Dockerfile's final stage: ARG SERVICE, its check, ENV SERVICE, CMD (${order})`);
  // The check accepts every service Terraform passes and fails the build on anything else.
  const check = /^RUN (case "\$SERVICE" in .*)$/m.exec(runtime)?.[1] ?? "";
  const accepts = (service: string) => spawnSync("sh", ["-c", check], { env: { PATH: process.env.PATH, SERVICE: service }, encoding: "utf8" }).status === 0;
  for (const service of TASK_SERVICES) assert.ok(accepts(service), `services/Dockerfile refuses SERVICE=${service}`);
  for (const typo of ["", "fiji", "Align", "emwrite2", "align emwrite"]) assert.ok(!accepts(typo), `services/Dockerfile accepts SERVICE=${JSON.stringify(typo)}`);
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)?.[1] ?? "[]") as string[];
  assert.deepEqual(cmd, ["sh", "-c", ["exec node", ...SERVICE_NODE_FLAGS, "dist/services/$SERVICE/server.js"].join(" ")], "the services run with cloud-runtime/node-flags.ts's flags");
  for (const service of TASK_SERVICES) {
    const entry = `services/${service}/server.ts`;
    assert.ok(existsSync(path.join(repoRoot, entry)), `SERVICE=${service} runs dist/services/${service}/server.js, but there is no ${entry}`);
  }
  assert.match(runtime, new RegExp(`^ENV .*\\bPORT=${port}\\b`, "m"));
  assert.match(runtime, /^USER node$/m);

  // fiji: its own Dockerfile, which runs its own server.
  if (existsSync(path.join(repoRoot, dockerfiles.fiji))) {
    const fiji = read(dockerfiles.fiji);
    assert.match(fiji, /^CMD \["node", "dist\/services\/fiji\/server\.js"\]$/m);
    assert.match(fiji, new RegExp(`\\bPORT=${port}\\b`));
  } else assert.equal((c.variables.enable_fiji as Body).default, false);

  // BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile: a local native/build (built for the host,
  // stamped as current) must not reach the build stage, which compiles the addon itself.
  for (const file of new Set(Object.values(dockerfiles))) {
    if (existsSync(path.join(repoRoot, file))) assert.ok(existsSync(path.join(repoRoot, `${file}.dockerignore`)), `no ${file}.dockerignore`);
  }
  assert.match(read("services/Dockerfile.dockerignore"), /^native\/build$/m);
  for (const stale of ["align", "emwrite"]) assert.ok(!existsSync(path.join(repoRoot, `services/${stale}/Dockerfile`)), `services/${stale}/Dockerfile is unused`);
});

test("each image is rebuilt when anything its Dockerfile builds from changes, the native addon included", async () => {
  const c = await config();
  assert.match(String(c.locals.images), /:\$\{local\.image_tags\[name\]\}" \}\}$/);
  const tags = String(c.locals.image_tags);
  assert.match(tags, /for name, files in local\.image_files :/);
  assert.match(tags, /coalesce\(var\.image_tag, substr\(sha256\(join\("\\n", \[for f in files : "\$\{f\} \$\{filesha256\("\$\{local\.repo_root\}\/\$\{f\}"\)\}"\]\)\), 0, 16\)\)/);
  const files = String(c.locals.image_files);
  assert.match(files, /for name in keys\(local\.run_services\) : name =>/);
  assert.match(files, /\[for f in local\.source_files : f if !startswith\(basename\(f\), "Dockerfile"\)\]/);
  assert.match(files, /\[local\.dockerfiles\[name\], "\$\{local\.dockerfiles\[name\]\}\.dockerignore", "terraform\/build\/image\.yaml"\]/);
  const native = /local\.dockerfiles\[name\] == "([^"]+)" \? concat\(tolist\(fileset\(local\.repo_root, "native\/\*\.\{cc,h\}"\)\), \[("scripts\/native\.sh"(?:, "[^"]+")*)\]\) : \[\]/.exec(files);
  assert.ok(native, "local.image_files: the native addon's sources for the Dockerfile that builds it");
  const nativeDockerfile = native[1];
  // The scripts that Dockerfile also copies (scripts/native.sh first), hashed with the addon's sources.
  const nativeScripts = [...native[2].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  // What source_files covers: these folders whole, and these files.
  const sources = String(c.locals.source_files);
  const folders = /fileset\(local\.repo_root, "\{([a-z,-]+)\}\/\*\*"\)/.exec(sources)?.[1].split(",") ?? [];
  const topFiles = [...(/\[("[^\]]+")\]/.exec(sources)?.[1].matchAll(/"([^"]+)"/g) ?? [])].map((m) => m[1]);
  assert.ok(folders.length >= 5 && topFiles.includes("package-lock.json"), `local.source_files: ${sources}`);
  // native/*.{cc,h} is every file scripts/native.sh compiles or hashes; native/build is its output.
  const nativeFiles = readdirSync(path.join(repoRoot, "native")).filter((f) => f !== "build");
  assert.deepEqual(nativeFiles.filter((f) => !/\.(cc|h)$/.test(f)), [], "native/ holds files local.image_files does not hash");
  const script = read("scripts/native.sh");
  for (const m of script.matchAll(/\bnative\/[\w.-]+\.\w+/g)) assert.match(m[0], /^native\/[\w-]+\.(cc|h)$/, `scripts/native.sh reads ${m[0]}`);
  // Every file a Dockerfile copies from the repository is hashed into its image's tag.
  const dockerfiles = c.locals.dockerfiles as Record<string, string>;
  for (const file of new Set(Object.values(dockerfiles))) {
    if (!existsSync(path.join(repoRoot, file))) continue;
    const text = read(file);
    const buildsNative = file === nativeDockerfile;
    assert.equal(/scripts\/native\.sh/.test(text), buildsNative, `${file}: builds the native addon only if its tag hashes its sources`);
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const from of m[1].split(/\s+/)) {
        const covered = folders.includes(from) || topFiles.includes(from) || (buildsNative && (from === "native" || nativeScripts.includes(from)));
        assert.ok(covered, `${file} copies ${from}, which its image's tag does not hash`);
      }
    }
  }
});

test("nothing is public unless public_output asks for it; services are private", async () => {
  const c = await config();
  for (const r of c.resources) {
    const text = strings(r.body).join("\n");
    if (/allUsers|allAuthenticatedUsers/.test(text)) {
      assert.equal(r.body.count, "${var.public_output ? 1 : 0}", `${r.type}.${r.name} grants to the public without var.public_output`);
      assert.ok(!r.type.startsWith("google_cloud_run") && !r.type.startsWith("google_cloudfunctions"), `${r.type}.${r.name}: a public service`);
    }
    assert.ok(!("invoker_iam_disabled" in r.body), `${r.type}.${r.name} disables invoker IAM`);
  }
  assert.equal((c.variables.public_output as Body).default, false);
  const output = resource(c, "google_storage_bucket", "output");
  assert.equal(((output.dynamic as Body).cors as Body[])[0].for_each, "${var.public_output ? [1] : []}");
  for (const name of ["source", "output", "build"]) assert.equal(resource(c, "google_storage_bucket", name).uniform_bucket_level_access, true);
});

test("the output bucket's lifecycle rule matches the temporary keys, and only them", async () => {
  const c = await config();
  const suffixes = c.locals.tmp_suffixes as string[];
  const keys = read("core/pipeline/keys.ts");
  const tmp = [...keys.matchAll(/`(tmp\/[^`]*)`|"(tmp\/[^"]*)"/g)].map((m) => m[1] ?? m[2]);
  assert.ok(tmp.length >= 3, `tmp keys: ${tmp}`);
  // Every big temporary object (features, tiles, tops) ends with a suffix the rule deletes...
  for (const key of tmp.filter((k) => k !== "tmp/" && !k.endsWith(".json"))) {
    assert.ok(suffixes.some((s) => key.endsWith(s)), `${key} escapes the lifecycle rule (${suffixes})`);
  }
  // ...and no key outside tmp/ does.
  for (const m of keys.matchAll(/`([^`]*)`|"([^"]*)"/g)) {
    const key = m[1] ?? m[2];
    if (!key.startsWith("tmp/")) assert.ok(!suffixes.some((s) => key.endsWith(s)), `${key} would be deleted by the tmp lifecycle rule`);
  }
});

/** (account label, role) for every IAM grant in terraform/, with component for_each keys expanded. */
export function grants(c: TerraformConfig): Set<string> {
  const components = [...String(c.locals.service_accounts).matchAll(/\b([a-z]+)\s+=\s+"emingest /g)].map((m) => m[1]);
  const expand = (text: string, depth = 0): string =>
    depth > 3 ? text : text.replace(/local\.([a-z_]+)/g, (_, n: string) => expand(JSON.stringify(c.locals[n] ?? ""), depth + 1));
  const out = new Set<string>();
  for (const r of c.resources.filter((r) => /_iam_member$/.test(r.type))) {
    const member = String(r.body.member);
    const role = String(r.body.role);
    let labels: string[];
    const fixed = /component\["([a-z]+)"\]/.exec(member);
    if (fixed) labels = [fixed[1]];
    else if (/component\[each\./.test(member)) {
      const keys = expand(String(r.body.for_each));
      labels = components.filter((k) => new RegExp(`\\b${k}\\b`).test(keys));
    } else if (member === "${local.pubsub_agent}") labels = ["Pub/Sub service agent"];
    else if (/google_storage_project_service_account/.test(member)) labels = ["Cloud Storage service agent"];
    else if (member === "allUsers") labels = ["allUsers"];
    else throw new Error(`${r.type}.${r.name}: member ${member} is not a known account`);
    assert.ok(labels.length > 0, `${r.type}.${r.name}: no account found for ${member}`);
    for (const l of labels) out.add(`${components.includes(l) ? `emingest-${l}` : l} ${role}`);
  }
  return out;
}

test("the README lists every service account's roles with a reason, and nothing else", async () => {
  const c = await config();
  const readme = read("README.md");
  const start = readme.indexOf("## Deploying to Google Cloud");
  assert.ok(start >= 0, "README.md has no 'Deploying to Google Cloud' section");
  const section = readme.slice(start);
  const rows = [...section.matchAll(/^\|\s*`?([^`|]+?)`?\s*\|\s*`(roles\/[a-zA-Z.]+)`\s*\|([^|]*)\|([^|]*)\|\s*$/gm)];
  const listed = new Set<string>();
  for (const [, account, role, , why] of rows) {
    assert.ok(why.trim().length > 10, `README: ${account} ${role} has no reason`);
    listed.add(`${account.trim()} ${role}`);
  }
  const granted = grants(c);
  assert.ok(granted.size > 15, `found ${granted.size} grants`);
  assert.deepEqual([...granted].sort(), [...listed].sort());
});
