import mqtt, { type MqttClient } from "mqtt";
import { type BearingCondition, createBearingSignal } from "./bearing-signal.js";

export interface SimulatedAsset {
  readonly site: string;
  readonly asset: string;
  /** The asset develops this fault `afterS` seconds into the run, reaching full severity over `rampS`. */
  readonly fault?: { readonly condition: BearingCondition; readonly afterS: number; readonly rampS?: number };
}

export interface SimulatorOptions {
  readonly url: string;
  readonly prefix: string;
  readonly assets: readonly SimulatedAsset[];
  readonly sampleRateHz?: number;
  readonly windowSamples?: number;
  readonly shaftRpm?: number;
  readonly seed?: number;
  readonly protocolVersion?: 4 | 5;
  /** Topic suffix after `<prefix>/<site>/<asset>/`. */
  readonly channelTopic?: string;
}

/**
 * Publishes realistic bearing vibration for a few assets over MQTT, in real time, as JSON
 * blocks (`{"ts", "fs", "unit", "samples"}`), one contiguous stream per asset.
 */
export class Simulator {
  private readonly opts: Required<Omit<SimulatorOptions, "assets">> & { assets: readonly SimulatedAsset[] };
  private client: MqttClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private startMs = 0;
  private windowIndex = 0;
  private readonly signals: ReturnType<typeof createBearingSignal>[] = [];
  published = 0;

  constructor(opts: SimulatorOptions) {
    this.opts = {
      sampleRateHz: 12000,
      windowSamples: 2048,
      shaftRpm: 1797,
      seed: 1,
      protocolVersion: 5,
      channelTopic: "vibration",
      ...opts,
    };
  }

  async start(): Promise<void> {
    const o = this.opts;
    o.assets.forEach((_a, i) => {
      this.signals.push(
        createBearingSignal({
          sampleRateHz: o.sampleRateHz,
          shaftRpm: o.shaftRpm * (1 + 0.002 * i),
          seed: o.seed + i,
        }),
      );
    });
    this.client = await mqtt.connectAsync(o.url, {
      clientId: `edge-agent-sim-${process.pid}`,
      protocolVersion: o.protocolVersion,
      reconnectPeriod: 1000,
    });
    this.startMs = Date.now();
    const periodMs = (o.windowSamples / o.sampleRateHz) * 1000;
    // Publish by the clock, so that timestamps stay contiguous even when a timer fires late.
    this.timer = setInterval(
      () => {
        const due = Math.floor((Date.now() - this.startMs) / periodMs);
        while (this.windowIndex <= due) this.publishWindow(this.windowIndex++, periodMs);
      },
      Math.max(10, periodMs / 2),
    );
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.client?.endAsync();
    this.client = null;
  }

  /** The condition and severity of an asset at `tS` seconds into the run. */
  static conditionAt(a: SimulatedAsset, tS: number): { condition: BearingCondition; severity: number } {
    const f = a.fault;
    if (f === undefined || tS < f.afterS) return { condition: "normal", severity: 0 };
    const ramp = f.rampS ?? 5;
    return {
      condition: f.condition,
      severity: Math.min(1, 0.3 + (0.7 * (tS - f.afterS)) / Math.max(ramp, 1e-3)),
    };
  }

  private publishWindow(k: number, periodMs: number): void {
    const o = this.opts;
    const ts = this.startMs + k * periodMs;
    o.assets.forEach((a, i) => {
      const { condition, severity } = Simulator.conditionAt(a, (k * periodMs) / 1000);
      const x = this.signals[i]!.next(o.windowSamples, condition, severity);
      const payload = `{"ts":${ts},"fs":${o.sampleRateHz},"unit":"g","samples":[${formatSamples(x)}]}`;
      this.client?.publish(`${o.prefix}/${a.site}/${a.asset}/${o.channelTopic}`, payload, { qos: 0 });
      this.published++;
    });
  }
}

/** Samples with at most 6 significant digits, comma-separated. */
export function formatSamples(x: Float32Array): string {
  const parts = new Array<string>(x.length);
  for (let i = 0; i < x.length; i++) parts[i] = String(Number(x[i]!.toPrecision(6)));
  return parts.join(",");
}
