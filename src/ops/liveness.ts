/**
 * Whether the pipeline is alive, for the systemd watchdog: `WATCHDOG=1` is sent only while it is.
 * Restarting helps when something inside the process is stuck, not when the world outside is
 * quiet, so:
 * - a model is wedged when windows wait for it (queued or in flight) and it has not finished a
 *   batch for `inferenceStallMs`; a model with nothing to do is alive;
 * - the MQTT connection is alive when connected, or while it keeps trying (a broker that is down
 *   is not the agent's fault: its reconnect loop is alive); it is wedged when it is not connected
 *   and has not made a connection attempt for `reconnectStallMs`;
 * - sources waiting for their device are alive (they retry on their own); an event loop that is
 *   blocked sends nothing at all, which systemd sees for itself.
 * Pure: time comes in with each snapshot.
 */

export interface ModelProgress {
  /** A stable key of the model (its folder). */
  readonly key: string;
  readonly name: string;
  /** Rows queued plus the batch in flight. */
  readonly waiting: number;
  /** Batches finished or failed so far: any change is progress (shed rows are not). */
  readonly done: number;
}

export interface ConnectionProgress {
  readonly connected: boolean;
  /** Connection attempts so far: any change while disconnected is progress. */
  readonly attempts: number;
}

export interface LivenessSnapshot {
  readonly nowMs: number;
  readonly models: readonly ModelProgress[];
  readonly mqtt: ConnectionProgress | null;
}

export interface Liveness {
  readonly alive: boolean;
  /** One line per wedged part; empty when alive. */
  readonly reasons: readonly string[];
  /** Keys of wedged models. */
  readonly stalledModels: readonly string[];
}

export interface LivenessOptions {
  readonly inferenceStallMs: number;
  readonly reconnectStallMs: number;
}

interface Mark {
  done: number;
  sinceMs: number;
}

export class LivenessCheck {
  private readonly opts: LivenessOptions;
  private readonly models = new Map<string, Mark>();
  private mqtt: Mark | null = null;

  constructor(opts: LivenessOptions) {
    this.opts = opts;
  }

  check(s: LivenessSnapshot): Liveness {
    const reasons: string[] = [];
    const stalledModels: string[] = [];
    const seen = new Set<string>();
    for (const m of s.models) {
      seen.add(m.key);
      const mark = this.models.get(m.key);
      if (mark === undefined || mark.done !== m.done || m.waiting === 0) {
        this.models.set(m.key, { done: m.done, sinceMs: s.nowMs });
        continue;
      }
      const stuckMs = s.nowMs - mark.sinceMs;
      if (stuckMs >= this.opts.inferenceStallMs) {
        stalledModels.push(m.key);
        reasons.push(
          `model ${m.name}: ${m.waiting} window(s) waiting, no batch finished for ${Math.round(stuckMs / 1000)} s`,
        );
      }
    }
    for (const k of this.models.keys()) if (!seen.has(k)) this.models.delete(k);

    const c = s.mqtt;
    if (c === null || c.connected) {
      this.mqtt = c === null ? null : { done: c.attempts, sinceMs: s.nowMs };
    } else if (this.mqtt === null || this.mqtt.done !== c.attempts) {
      this.mqtt = { done: c.attempts, sinceMs: s.nowMs };
    } else {
      const quietMs = s.nowMs - this.mqtt.sinceMs;
      if (quietMs >= this.opts.reconnectStallMs) {
        reasons.push(`mqtt: disconnected and no connection attempt for ${Math.round(quietMs / 1000)} s`);
      }
    }
    return { alive: reasons.length === 0, reasons, stalledModels };
  }
}
