import { redact } from "../sources/mqtt-connection.js";
import type { Liveness } from "./liveness.js";
import { type AgentOpsView, healthOf, opsStatsOf } from "./ops-view.js";

/**
 * `/healthz`: one entry per component with `ok` and the reason. The agent is healthy when every
 * component is; a problem that a restart cannot fix and that does not stop monitoring (an asset
 * disabled by a bad profile, a refused reload) is reported under `config` without failing the
 * check, so that a supervisor acting on 503 does not restart the agent into the same problem.
 */

export interface ComponentHealth {
  readonly ok: boolean;
  readonly detail: string;
}

export interface HealthReport {
  readonly ok: boolean;
  readonly agent: string;
  readonly version: string;
  readonly uptimeS: number;
  readonly components: Record<string, ComponentHealth>;
  readonly config: { readonly assets: number; readonly disabled: number; readonly lastReload: string };
}

export interface HealthExtras {
  /** One line about the last reload (`applied at …`, `refused: …`). */
  readonly lastReload: string;
}

export function buildHealth(
  view: AgentOpsView,
  liveness: Liveness,
  nowMs: number,
  extras: HealthExtras,
): HealthReport {
  const components: Record<string, ComponentHealth> = {};
  const m = view.mqtt;
  if (m !== null) {
    const s = m.stats;
    const err = m.lastError ? `; last error: ${m.lastError}` : "";
    components.mqtt =
      m.state === "connected"
        ? { ok: true, detail: `connected to ${redact(m.url)} (${s.reconnects} reconnects)` }
        : { ok: false, detail: `${m.state} from ${redact(m.url)} after ${s.attempts} attempts${err}` };
    if (s.subscribeErrors > 0 && m.state === "connected") {
      components.mqtt = {
        ok: false,
        detail: `connected, but ${s.subscribeErrors} subscription(s) refused by the broker${err}`,
      };
    }
  }
  for (const src of view.sources) {
    const st = src.status();
    components[`source:${src.name}`] = { ok: st.connected, detail: st.detail };
  }
  const stalled = new Set(liveness.stalledModels);
  for (const mo of view.models) {
    const { manifest, dir } = mo.model;
    const s = mo.batcher.stats;
    const what = `${manifest.name}@${manifest.version}: ${mo.batcher.queued} queued, ${s.batches} batches, ${s.errors} failed, ${s.shed} shed`;
    components[`model:${manifest.name}`] = stalled.has(dir)
      ? { ok: false, detail: `wedged (no batch finished for a while); ${what}` }
      : { ok: true, detail: what };
  }
  for (const sink of view.sinks) components[`sink:${sink.name}`] = sink.health();
  for (const c of view.consumers) {
    const own = healthOf(c)?.();
    const stats = opsStatsOf(c);
    let detail = own?.detail ?? "running";
    if (stats?.outboxDepth !== undefined) {
      const age = stats.outboxOldestAgeS ? `, oldest ${Math.round(stats.outboxOldestAgeS)} s` : "";
      detail += `; ${stats.outboxDepth} job(s) waiting${age}`;
    }
    components[c.name] = { ok: own?.ok ?? true, detail };
  }
  const ok = Object.values(components).every((c) => c.ok);
  return {
    ok,
    agent: view.agentId,
    version: view.version,
    uptimeS: Math.round((nowMs - view.startedAtMs) / 1000),
    components,
    config: { assets: view.pipelines.length, disabled: view.disabled, lastReload: extras.lastReload },
  };
}

/** `STATUS=` for systemd: one line, e.g. `3 assets, mqtt connected, 1234 windows; model step wedged`. */
export function statusLine(view: AgentOpsView, liveness: Liveness): string {
  let windows = 0;
  for (const p of view.pipelines) windows += p.counters.windows;
  const mqtt = view.mqtt === null ? "no mqtt" : `mqtt ${view.mqtt.state}`;
  const disabled = view.disabled > 0 ? ` (${view.disabled} disabled)` : "";
  const base = `${view.pipelines.length} assets${disabled}, ${mqtt}, ${windows} windows`;
  return liveness.alive ? base : `${base}; NOT ALIVE: ${liveness.reasons.join("; ")}`;
}
