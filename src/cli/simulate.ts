import { parseArgs } from "node:util";
import type { BearingCondition } from "../sim/bearing-signal.js";
import { type SimulatedAsset, Simulator } from "../sim/simulator.js";
import { EX_OK, EX_USAGE } from "./exit-codes.js";

const CONDITIONS: readonly BearingCondition[] = ["normal", "inner_race", "outer_race", "ball"];

/** `ASSET:CLASS@SECONDS` → the fault plan of one asset. */
export function parseFault(
  spec: string,
): { asset: string; condition: BearingCondition; afterS: number } | string {
  const m = /^([^:]+):([a-z_]+)@(\d+(?:\.\d+)?)$/.exec(spec);
  if (!m) return `--fault must look like ASSET:CLASS@SECONDS, got "${spec}"`;
  const condition = m[2] as BearingCondition;
  if (!CONDITIONS.includes(condition))
    return `unknown fault class "${m[2]}" (one of ${CONDITIONS.join(", ")})`;
  return { asset: m[1]!, condition, afterS: Number(m[3]) };
}

/** The simulated assets: one site, comma-separated asset ids, optional fault plans. */
export function planAssets(
  site: string,
  assets: string,
  faults: readonly string[],
): SimulatedAsset[] | string {
  const plans = new Map<string, SimulatedAsset["fault"]>();
  for (const f of faults) {
    const p = parseFault(f);
    if (typeof p === "string") return p;
    plans.set(p.asset, { condition: p.condition, afterS: p.afterS, rampS: 5 });
  }
  return assets
    .split(",")
    .filter((a) => a !== "")
    .map((asset) => {
      const fault = plans.get(asset);
      return fault ? { site, asset, fault } : { site, asset };
    });
}

/** `edge-agent simulate`: the demo's bearing simulator, pointed at any broker. */
export async function simulateCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: "string", default: process.env.MQTT_URL ?? "mqtt://127.0.0.1:1883" },
      prefix: { type: "string", default: "factory" },
      site: { type: "string", default: "plant1" },
      assets: { type: "string", default: "pump-1,pump-2,fan-3" },
      fault: { type: "string", multiple: true, default: ["pump-2:outer_race@10"] },
      rpm: { type: "string", default: "1797" },
      seconds: { type: "string", default: "0" },
      "mqtt-version": { type: "string", default: "5" },
    },
  });
  const assets = planAssets(values.site, values.assets, values.fault);
  if (typeof assets === "string") {
    process.stderr.write(`${assets}\n`);
    return EX_USAGE;
  }
  const sim = new Simulator({
    url: values.url,
    prefix: values.prefix,
    assets,
    shaftRpm: Number(values.rpm),
    protocolVersion: values["mqtt-version"] === "4" ? 4 : 5,
  });
  await sim.start();
  process.stdout.write(
    `simulating ${assets.length} asset(s) on ${values.url} under ${values.prefix}/${values.site}/…/vibration\n`,
  );
  const seconds = Number(values.seconds);
  await new Promise<void>((resolve) => {
    if (seconds > 0) setTimeout(resolve, seconds * 1000);
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await sim.stop();
  process.stdout.write(`published ${sim.published} windows\n`);
  return EX_OK;
}
