import { writeFileSync } from "node:fs";
import mqtt, { type MqttClient } from "mqtt";
import { SerialPort } from "serialport";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../../src/agent.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { createLogger } from "../../../src/ops/logger.js";
import { createSources } from "../../../src/sources/create-sources.js";
import type { Source } from "../../../src/sources/source.js";
import { mulberry32 } from "../../../src/training/prng.js";
import type { Advice } from "../../../src/types.js";
import { waitFor } from "../../helpers/collect.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { haveTool } from "../../helpers/required-tool.js";
import { SocatPair } from "../../helpers/socat.js";
import { STEP_PROFILE, stepPayload, writeStepModel } from "../../helpers/step-model.js";
import { tempDir } from "../../helpers/temp-dir.js";

const FLEET = `
agent: { id: serial-agent }
mqtt:
  url: "\${MQTT_URL}"
  clientId: serial-agent
  reconnect: { minMs: 100, maxMs: 1000, jitter: 0.2 }
topicPrefix: factory
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
      - id: pump
        profile: serial-step
        overrides: { transport: { path: "\${PTY}" } }
`;

/** The step model's profile, read from a serial line instead of MQTT (the path comes from the fleet). */
const SERIAL_PROFILE = STEP_PROFILE.replace(
  /^transport: .*$/m,
  "transport: { type: serial, path: /dev/serial/by-id/usb-placeholder, baudRate: 115200, framing: { type: lines } }",
);

async function openWriter(path: string): Promise<SerialPort> {
  const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => p.open((e) => (e ? reject(e) : resolve())));
  p.on("error", () => {});
  return p;
}

async function send(p: SerialPort, data: string | Uint8Array): Promise<void> {
  p.write(typeof data === "string" ? data : Buffer.from(data));
  await new Promise<void>((resolve) => p.drain(() => resolve()));
}

describe.skipIf(!haveTool("mosquitto") || !haveTool("socat"))(
  "the agent reading a sensor on a real pty",
  () => {
    let broker: Mosquitto;
    let pty: SocatPair;
    let dir: ReturnType<typeof tempDir>;
    let agent: Agent;
    let client: MqttClient;
    let writer: SerialPort | null = null;
    let sources: Source[] = [];
    const advices: Advice[] = [];
    const predicted: number[] = [];
    const sent = new Set<number>();
    let ts = 1_700_000_000_000;

    async function lines(levels: readonly number[]): Promise<void> {
      for (const level of levels) {
        sent.add(ts);
        await send(writer!, `${stepPayload(ts, level)}\n`);
        ts += 256;
      }
    }

    function source() {
      return agent.stats() as {
        assets: Record<string, { predictions: number; discarded: number }>;
        discarded: number;
      };
    }

    beforeAll(async () => {
      broker = await Mosquitto.start();
      pty = await SocatPair.start();
      dir = tempDir({ "profiles/serial-step.yaml": SERIAL_PROFILE, "fleet.yaml": FLEET });
      writeStepModel(dir.path("models"));
      writeFileSync(dir.path("fleet.yaml"), FLEET);
      const config = loadConfig(dir.path("fleet.yaml"), { MQTT_URL: broker.url, PTY: pty.a });
      const log = createLogger({ level: "silent" });
      sources = createSources(config, log);
      agent = new Agent({ config, log, onAdvice: (a) => advices.push(a), sources });
      client = await mqtt.connectAsync(broker.url, { clientId: "serial-test-client", protocolVersion: 5 });
      client.on("message", (_t, payload) =>
        predicted.push((JSON.parse(payload.toString()) as { ts: number }).ts),
      );
      await client.subscribeAsync("factory/s1/pump/prediction", { qos: 1 });
      await agent.start();
    });
    afterAll(async () => {
      if (writer?.isOpen) await new Promise((r) => writer!.close(r));
      await agent?.stop(2000);
      await client?.endAsync();
      await pty?.close();
      await broker?.close();
      dir?.cleanup();
    });

    it("turns lines into windows, predictions and advice, and counts garbage lines as discards", async () => {
      writer = await openWriter(pty.b);
      // The port opened mid-stream: the cut line before the first line end is dropped, not decoded.
      await send(writer, `ples":[1,1,1]}\n`);
      await lines(Array(10).fill(0));
      await send(writer, "\u0000\u00ff#garbage!\n{not json\n");
      await lines(Array(10).fill(1));
      expect(await waitFor(() => predicted.length >= 20, 10_000)).toBe(true);
      expect(await waitFor(() => advices.length >= 1, 5000)).toBe(true);
      expect(advices.map((a) => [a.transition, a.fault])).toEqual([["raise", "fault"]]);
      expect(advices[0]!.windowTsMs).toBe(1_700_000_000_000 + 12 * 256); // the third fault window
      expect([...predicted].sort()).toEqual([...sent].sort());
      expect(source().assets["s1/pump"]).toMatchObject({ predictions: 20, discarded: 2 });
    });

    it("reconnects by itself within 2 s when the adapter comes back, with no line corrupted", async () => {
      expect(sources.map((s) => s.name)).toEqual([`serial ${pty.a}`]);
      const discardedBefore = source().discarded;
      await send(writer!, '{"ts":1700000009999,"fs":1000,"sam'); // unplugged mid-line
      await new Promise((r) => setTimeout(r, 50));
      await pty.unplug();
      writer = null;
      await new Promise((r) => setTimeout(r, 1200)); // gone for a while: several reopen attempts fail
      await pty.replug();
      const t0 = Date.now();
      expect(sources[0]!.status().connected).toBe(false);
      expect(await waitFor(() => sources[0]!.status().connected, 3000, 5)).toBe(true);
      const reconnectMs = Date.now() - t0;
      expect(reconnectMs).toBeLessThan(2000);
      process.stderr.write(`agent serial source reopened ${reconnectMs} ms after the replug\n`);
      writer = await openWriter(pty.b);
      await send(writer, `0,0,0]}\n`); // the device was mid-line when the port opened
      await lines(Array(10).fill(0));
      expect(await waitFor(() => advices.length >= 2, 10_000)).toBe(true);
      expect(advices[1]).toMatchObject({ transition: "recover", fault: "normal" });
      expect(await waitFor(() => predicted.length >= 30, 5000)).toBe(true);
      // Every prediction is of a whole line that was sent, once: nothing cut, nothing merged.
      expect([...predicted].sort()).toEqual([...sent].sort());
      // The half line from before the unplug was counted as a discard, not decoded.
      expect(source().discarded - discardedBefore).toBe(1);
    });

    it("survives 1 MB of random bytes as counted discards and goes on with the next lines", async () => {
      const before = source().discarded;
      const random = mulberry32(5);
      const noise = new Uint8Array(1 << 20);
      for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(random() * 256);
      for (let off = 0; off < noise.length; off += 65536)
        await send(writer!, noise.subarray(off, off + 65536));
      await send(writer!, "\n"); // ends the last random line
      await lines(Array(5).fill(0));
      expect(await waitFor(() => predicted.length >= 35, 15_000)).toBe(true);
      const discarded = source().discarded - before;
      process.stderr.write(`1 MB of random bytes on the line: ${discarded} discards\n`);
      expect(discarded).toBeGreaterThan(1000); // a random line ends every ~256 bytes
      expect([...predicted].sort()).toEqual([...sent].sort());
    });
  },
);
