import { gaussian, mulberry32 } from "../training/prng.js";

/**
 * A simulated drive-end accelerometer on a rolling-element bearing, in g, as one continuous
 * stream: consecutive `next()` calls give contiguous blocks (phases, the impact train and the
 * ringing of the structure carry over).
 *
 * What is in it (levels from CWRU's 12 kHz drive-end recordings, SKF 6205 at ~1800 rpm):
 * - a small sensor offset, shaft harmonics 1×-3× and a 12× line (~10-20 mg each);
 * - running vibration below ~1.5 kHz, a narrow component near 4.2 kHz, a little noise in the
 *   housing's two resonances (2.9 and 3.5 kHz) and white sensor noise: ~0.06 g rms for a
 *   healthy bearing, a quarter of it in the 2.5-4 kHz resonance band (CWRU normal: 0.070 g,
 *   0.024 g in that band);
 * - for a fault, impacts at its defect frequency that ring the same resonances: each interval
 *   jitters by ~1% (slip of the rolling elements) and each impact's strength by ~15%;
 *   - outer race: steady impacts at BPFO (the defect sits still in the load zone);
 *   - inner race: at BPFI, amplitude-modulated once per shaft turn (the defect passes
 *     through the load zone);
 *   - ball: at 2 × BSF (the defect strikes both races once per spin), modulated at the cage
 *     frequency, and weaker;
 *   at severity 1 an outer-race fault reaches ~0.5 g rms with ~3 g peaks (CWRU OR 0.007":
 *   0.24-0.77 g rms, peaks 1.4-3.3 g); severity scales the impacts linearly (0 = healthy).
 * A fault that starts (or a change of fault) strikes its first impact at once; the stream's
 * random draws depend only on the sample count, so splitting a stream into blocks of any
 * sizes gives the same samples.
 */

export const BEARING_CONDITIONS = ["normal", "inner_race", "outer_race", "ball"] as const;
export type BearingCondition = (typeof BEARING_CONDITIONS)[number];

/** Defect frequencies as multiples of shaft speed: SKF 6205-2RS (CWRU drive end). */
export const SKF_6205_ORDERS = { bpfo: 3.5848, bpfi: 5.4152, bsf: 4.7135, ftf: 0.39828 } as const;

export interface BearingSignalOptions {
  readonly sampleRateHz: number;
  readonly shaftRpm: number;
  readonly seed: number;
  /** bpfo, bpfi, bsf (ball spin) and ftf (cage) as orders of shaft speed; default SKF 6205. */
  readonly defectOrders?: Partial<Record<"bpfo" | "bpfi" | "bsf" | "ftf", number>>;
}

export interface BearingSignal {
  /** The next `samples` samples of the stream under `condition` at `severity` (0…1). */
  next(samples: number, condition: BearingCondition, severity: number): Float32Array;
}

/** Peak impact amplitude (g) at severity 1, per fault. */
const IMPACT_G: Record<Exclude<BearingCondition, "normal">, number> = {
  outer_race: 1.5,
  inner_race: 1.3,
  ball: 0.5,
};

interface Band {
  readonly hz: number;
  readonly bandwidthHz: number;
  /** Share of an impact that rings this band (0: noise only). */
  readonly impactGain: number;
  /** rms of the band's own noise, g. */
  readonly noiseG: number;
}

/**
 * Background and structure, after CWRU's healthy drive-end recording (0.070 g rms): most of
 * its energy is running vibration below 1.5 kHz (~0.045 g) and a narrow component near
 * 4.1-4.4 kHz (~0.07 g there, 0.01-0.04 g in the fault recordings); the 2.5-4 kHz band where
 * impacts ring holds only ~0.024 g. The two housing resonances take the impacts.
 */
const BANDS: readonly Band[] = [
  { hz: 600, bandwidthHz: 900, impactGain: 0, noiseG: 0.045 },
  { hz: 2900, bandwidthHz: 130, impactGain: 0.5, noiseG: 0.012 },
  { hz: 3500, bandwidthHz: 110, impactGain: 1, noiseG: 0.013 },
  { hz: 4200, bandwidthHz: 120, impactGain: 0, noiseG: 0.035 },
];
const SHAFT_HARMONICS_G = [0.014, 0.009, 0.005];
const LINE_12X_G = 0.012;
const WHITE_NOISE_G = 0.01;
const OFFSET_G = 0.012;
const SLIP = 0.01;
const IMPACT_SPREAD = 0.15;

/** A damped two-pole resonator, scaled so that a unit impulse rings with a peak of about 1. */
class Resonator {
  private y1 = 0;
  private y2 = 0;
  private readonly a1: number;
  private readonly a2: number;
  private readonly gain: number;
  /** rms of the output for a unit-variance white-noise input. */
  readonly noiseRms: number;

  constructor(hz: number, bandwidthHz: number, sampleRateHz: number) {
    const r = Math.exp((-Math.PI * bandwidthHz) / sampleRateHz);
    const w = (2 * Math.PI * Math.min(hz, 0.45 * sampleRateHz)) / sampleRateHz;
    this.a1 = 2 * r * Math.cos(w);
    this.a2 = -r * r;
    this.gain = Math.sin(w);
    // Stationary variance of the AR(2) process y = a1·y1 + a2·y2 + e, e of unit variance.
    const a2 = this.a2;
    const variance = (1 - a2) / ((1 + a2) * ((1 - a2) ** 2 - this.a1 ** 2));
    this.noiseRms = this.gain * Math.sqrt(variance);
  }

  step(input: number): number {
    const y = this.a1 * this.y1 + this.a2 * this.y2 + this.gain * input;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

export function createBearingSignal(opts: BearingSignalOptions): BearingSignal {
  const fs = opts.sampleRateHz;
  const orders = { ...SKF_6205_ORDERS, ...opts.defectOrders };
  const shaftHz = opts.shaftRpm / 60;
  const rand = mulberry32(opts.seed);
  const resonators = BANDS.map((b) => new Resonator(b.hz, b.bandwidthHz, fs));
  const noiseDrive = BANDS.map((b, k) => b.noiseG / (resonators[k] as Resonator).noiseRms);
  const harmonicPhase = SHAFT_HARMONICS_G.map(() => 2 * Math.PI * rand());
  const linePhase = 2 * Math.PI * rand();
  let n = 0;
  /** Sample time (fractional) of the next impact. */
  let nextImpact = 0;

  function impactRateHz(c: Exclude<BearingCondition, "normal">): number {
    if (c === "outer_race") return orders.bpfo * shaftHz;
    if (c === "inner_race") return orders.bpfi * shaftHz;
    return 2 * orders.bsf * shaftHz;
  }

  /** Load-zone (inner race) or cage (ball) modulation of an impact at sample time t. */
  function modulation(c: Exclude<BearingCondition, "normal">, t: number): number {
    if (c === "inner_race") return 0.4 + 0.6 * Math.max(0, Math.cos((2 * Math.PI * shaftHz * t) / fs));
    if (c === "ball") return 0.6 + 0.4 * Math.cos((2 * Math.PI * orders.ftf * shaftHz * t) / fs);
    return 1;
  }

  return {
    next(samples, condition, severity) {
      const out = new Float32Array(samples);
      const s = Math.min(1, Math.max(0, severity));
      const fault = condition === "normal" || s === 0 ? null : condition;
      const periodSamples = fault ? fs / impactRateHz(fault) : 0;
      for (let i = 0; i < samples; i++, n++) {
        const t = n;
        let impulse = 0;
        if (fault && t >= nextImpact) {
          const strength = IMPACT_G[fault] * s * modulation(fault, t) * (1 + IMPACT_SPREAD * gaussian(rand));
          impulse = strength;
          nextImpact += periodSamples * (1 + SLIP * gaussian(rand));
        }
        let v = OFFSET_G + WHITE_NOISE_G * gaussian(rand);
        for (let k = 0; k < resonators.length; k++) {
          const drive = (noiseDrive[k] as number) * gaussian(rand) + impulse * (BANDS[k]?.impactGain ?? 0);
          v += (resonators[k] as Resonator).step(drive);
        }
        const shaftPhase = (2 * Math.PI * shaftHz * t) / fs;
        for (let h = 0; h < SHAFT_HARMONICS_G.length; h++) {
          v +=
            (SHAFT_HARMONICS_G[h] as number) * Math.sin((h + 1) * shaftPhase + (harmonicPhase[h] as number));
        }
        v += LINE_12X_G * Math.sin(12 * shaftPhase + linePhase);
        out[i] = v;
      }
      if (!fault) nextImpact = n;
      return out;
    },
  };
}
