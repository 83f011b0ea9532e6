import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Aedes } from "aedes";
import { Agent } from "../agent.js";
import { buildAgentParts } from "../agent-parts.js";
import { createLogger } from "../ops/logger.js";
import { Simulator } from "../sim/simulator.js";
import { EX_CONFIG, EX_OK } from "./exit-codes.js";
import { loadOrReport, waitForSignal } from "./run.js";
import { planAssets } from "./simulate.js";

export const DEMO_FLEET = fileURLToPath(new URL("../../examples/demo/fleet.yaml", import.meta.url));

/** An embedded MQTT broker (aedes) on a free loopback port. */
export async function startEmbeddedBroker(): Promise<{ url: string; close: () => Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}

/**
 * `npm start`: the whole product on a bare machine. An embedded broker, the bearing simulator
 * (pump-2 develops an outer-race fault after 10 s), and the agent with the shipped model,
 * logging in a human-readable form.
 */
export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { seconds: { type: "string", default: "0" } } });
  const broker = await startEmbeddedBroker();
  process.env.MQTT_URL = broker.url;
  const config = loadOrReport(DEMO_FLEET, (l) => process.stderr.write(`${l}\n`));
  if (config === null) return EX_CONFIG;
  const log = createLogger({ level: "info", human: true });
  log.info({ module: "demo", broker: broker.url }, "embedded MQTT broker started (aedes)");
  let agent: Agent | null = null;
  const parts = await buildAgentParts(
    config,
    log,
    () => agent?.stats() ?? {},
    () => agent?.connection ?? null,
  );
  agent = new Agent({ config, log, ...parts });
  await agent.start();
  const site = config.fleet.sites[0]!;
  const assets = planAssets(site.id, site.assets.map((a) => a.id).join(","), [
    `${site.assets[1]?.id ?? site.assets[0]!.id}:outer_race@10`,
  ]);
  if (typeof assets === "string") throw new Error(assets);
  const sim = new Simulator({
    url: broker.url,
    prefix: config.fleet.topicPrefix,
    assets,
    protocolVersion: 4,
  });
  await sim.start();
  log.info(
    { module: "demo", assets: assets.map((a) => a.asset) },
    `simulating bearing vibration; ${assets.find((a) => a.fault)?.asset} develops an outer-race fault after 10 s (Ctrl-C to stop)`,
  );
  const status = setInterval(() => {
    const perAsset = agent.assets.map((a) => `${a.ref.asset}: ${a.machine.current.fault}`);
    const windows = agent.assets.reduce((n, a) => n + a.counters.windows, 0);
    log.info({ module: "demo", windows }, `advice now — ${perAsset.join(", ")}`);
  }, 5000);
  const seconds = Number(values.seconds);
  const timer = seconds > 0 ? setTimeout(() => process.kill(process.pid, "SIGINT"), seconds * 1000) : null;
  const code = await waitForSignal(agent, log);
  if (timer) clearTimeout(timer);
  clearInterval(status);
  await sim.stop();
  await broker.close();
  return code === EX_OK ? EX_OK : code;
}
