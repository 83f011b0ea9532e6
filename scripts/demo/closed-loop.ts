/**
 * One full turn of the loop, every step for real:
 * advice → feedback → export → retrain → the new model loaded by hot reload.
 *
 *   npx tsx scripts/demo/closed-loop.ts [--data ../shared/datasets/cwru-12k-de] [--keep]
 *
 * 1. An agent (embedded MQTT broker, the shipped bearing-vibration model copied into a temporary
 *    workspace, the cwru-6205-de profile with raw capture on) watches pump-1; the bearing
 *    simulator streams a healthy bearing, then an outer-race fault.
 * 2. The advice `outer_race` is raised; its episode, evidence and raw windows are stored.
 * 3. A technician confirms it on `<prefix>/<site>/<asset>/feedback` (MQTT); the agent answers.
 * 4. `edge-agent export-labels` writes the labelled raw windows as a CWRU-style dataset, listing
 *    the CWRU recordings beside them (`--base`).
 * 5. scripts/train/bearing-vibration.ts retrains on it into the workspace's model folder.
 * 6. The Reloader (what SIGHUP and file changes trigger) sees the changed model and swaps it in
 *    without a restart; the new model's hash is checked and it serves the next windows.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import mqtt from "mqtt";
import { Agent } from "../../src/agent.js";
import { startEmbeddedBroker } from "../../src/cli/demo.js";
import { exportLabelsCommand } from "../../src/cli/export-labels.js";
import { loadConfig } from "../../src/config/load-config.js";
import { createLogger } from "../../src/ops/logger.js";
import { Reloader } from "../../src/ops/reloader.js";
import { createBearingSignal } from "../../src/sim/bearing-signal.js";
import type { Advice } from "../../src/types.js";
import { argValue } from "../train/args.js";

const DATA = resolve(argValue("--data") ?? "../shared/datasets/cwru-12k-de");
const ws = mkdtempSync(join(tmpdir(), "closed-loop-"));
const step = (n: number, text: string) => console.log(`\n[${n}] ${text}`);
const wait = async (cond: () => boolean, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

cpSync("models/bearing-vibration", join(ws, "models/bearing-vibration"), { recursive: true });
cpSync("device-profiles/cwru-6205-de.yaml", join(ws, "profiles/cwru-6205-de.yaml"));
const fleetFile = join(ws, "fleet.yaml");
writeFileSync(
  fleetFile,
  `agent: { id: loop-demo }
mqtt: { url: "\${MQTT_URL}", protocolVersion: 4 }
topicPrefix: factory
profilesDir: profiles
modelsDir: models
sites:
  - id: plant1
    assets:
      - id: pump-1
        profile: cwru-6205-de
        overrides: { capture: { before: 24, after: 24 }, advice: { minHoldMs: 0 } }
`,
);

const broker = await startEmbeddedBroker();
const env = { ...process.env, MQTT_URL: broker.url };
const log = createLogger({ level: "warn", human: true });
const advices: Advice[] = [];
const agent = new Agent({ config: loadConfig(fleetFile, env), log, onAdvice: (a) => advices.push(a) });
await agent.start();
const reloader = new Reloader({ agent, configFile: fleetFile, log, watch: false, debounceMs: 200, env });
reloader.start();
const modelDir = join(ws, "models/bearing-vibration");
const shaOf = () => agent.loadedModels().get(modelDir)?.manifest.sha256 ?? "?";
const predictions = () =>
  (agent.stats().assets as Record<string, { predictions: number }>)["plant1/pump-1"]?.predictions ?? 0;

const client = await mqtt.connectAsync(broker.url, { clientId: "technician", protocolVersion: 4 });
const results: Record<string, unknown>[] = [];
client.on("message", (_t, p) => results.push(JSON.parse(p.toString()) as Record<string, unknown>));
await client.subscribeAsync("factory/plant1/pump-1/feedback/result", { qos: 1 });

const sim = createBearingSignal({ sampleRateHz: 12000, shaftRpm: 1797, seed: 42 });
let ts = Date.now();
async function stream(windows: number, condition: "normal" | "outer_race"): Promise<void> {
  for (let i = 0; i < windows; i++) {
    const samples = Array.from(sim.next(2048, condition, condition === "normal" ? 0 : 0.6), (v) =>
      Number(v.toFixed(5)),
    );
    await client.publishAsync("factory/plant1/pump-1/vibration", JSON.stringify({ ts, fs: 12000, samples }), {
      qos: 1,
    });
    ts += (2048 / 12000) * 1000;
  }
}

try {
  step(
    1,
    `agent up with ${agent.loadedModels().size} model (bearing-vibration sha256 ${shaOf().slice(0, 12)}…); streaming pump-1`,
  );
  await stream(30, "normal");
  await stream(60, "outer_race");
  await wait(() => advices.some((a) => a.transition === "raise"), 20_000, "the outer_race advice");
  const raised = advices.find((a) => a.transition === "raise")!;
  step(
    2,
    `advice: ${raised.fault} (${raised.severity}, confidence ${raised.confidence.toFixed(2)}), episode ${raised.episodeId}`,
  );
  await wait(() => (agent.qualityLoop?.counts.captures ?? 0) >= 1, 10_000, "the raw capture");
  step(2, `raw capture saved: ${JSON.stringify(agent.qualityLoop?.health().captures)}`);

  await client.publishAsync(
    "factory/plant1/pump-1/feedback",
    JSON.stringify({
      episodeId: raised.episodeId,
      verdict: "confirmed",
      faultCode: "outer_race",
      by: "technician",
      note: "spalling on the outer race",
    }),
    { qos: 1 },
  );
  await wait(() => results.length > 0, 5000, "the feedback result");
  step(
    3,
    `feedback confirmed → agent answered ${JSON.stringify(results[0])}; precision ${JSON.stringify(agent.qualityLoop?.precision())}`,
  );

  const out = join(ws, "export");
  const code = await exportLabelsCommand([
    "--config",
    fleetFile,
    "--out",
    out,
    "--since",
    "1d",
    "--base",
    DATA,
  ]);
  if (code !== 0) throw new Error(`export-labels exited ${code}`);
  step(4, `exported to ${out} (features/bearing-vibration.csv, vibration/manifest.json)`);

  const before = shaOf();
  const t0 = Date.now();
  const train = execFileSync(
    "npx",
    [
      "tsx",
      "scripts/train/bearing-vibration.ts",
      "--data",
      join(out, "vibration"),
      "--out",
      modelDir,
      "--seed",
      "1",
    ],
    { encoding: "utf8" },
  );
  const lines = train.trim().split("\n");
  step(
    5,
    `retrained in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${lines.filter((l) => /mean of the two folds|final model|wrote/.test(l)).join(" | ")}`,
  );

  const outcome = await reloader.reload("model retrained on labelled feedback");
  const after = shaOf();
  step(6, `hot reload: ${JSON.stringify(outcome)}`);
  console.log(`    model sha256 ${before.slice(0, 12)}… → ${after.slice(0, 12)}…`);
  if (!outcome.applied || before === after) throw new Error("the new model was not loaded");

  const n = predictions();
  await stream(30, "outer_race");
  await wait(() => predictions() >= n + 30, 10_000, "predictions of the new model");
  step(
    7,
    `the reloaded pipeline made ${predictions() - n} predictions with the new model; advice now ${agent.assets[0]?.machine.current.fault}`,
  );
  console.log("\nloop closed: advice → feedback → export → retrain → hot reload");
} finally {
  await client.endAsync();
  await reloader.stop();
  await agent.stop(3000);
  await broker.close();
  if (!process.argv.includes("--keep")) rmSync(ws, { recursive: true, force: true });
  else console.log(`workspace kept: ${ws}`);
}
