import type { Logger } from "pino";
import type { DiscardReason } from "../types.js";

/**
 * Counts discarded payloads per asset and reason, and logs them without flooding: one line the
 * first time an asset discards for a reason, then one summary line per interval while it goes on.
 */
export class DiscardCounter {
  private readonly log: Logger;
  private readonly perAsset = new Map<string, Map<DiscardReason, number>>();
  private readonly sinceSummary = new Map<string, Map<DiscardReason, number>>();
  private readonly firstDetail = new Map<string, string>();
  private _total = 0;

  constructor(log: Logger) {
    this.log = log;
  }

  get total(): number {
    return this._total;
  }

  count(assetKey: string, reason: DiscardReason, detail: string): void {
    this._total++;
    const counts = getOrCreate(this.perAsset, assetKey);
    const n = (counts.get(reason) ?? 0) + 1;
    counts.set(reason, n);
    const recent = getOrCreate(this.sinceSummary, assetKey);
    recent.set(reason, (recent.get(reason) ?? 0) + 1);
    if (n === 1) {
      this.log.warn(
        { asset: assetKey, reason, detail },
        "discarding bad payloads (counted; summarised every interval)",
      );
      this.firstDetail.set(`${assetKey}\u0000${reason}`, detail);
    }
  }

  /** Logs one line per asset that discarded anything since the last summary. */
  summarise(): void {
    for (const [asset, counts] of this.sinceSummary) {
      if (counts.size === 0) continue;
      this.log.warn(
        { asset, discarded: Object.fromEntries(counts) },
        "payloads discarded since the last summary",
      );
      counts.clear();
    }
  }

  /** Totals per asset and reason. */
  snapshot(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [asset, counts] of this.perAsset) out[asset] = Object.fromEntries(counts);
    return out;
  }

  byReason(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const counts of this.perAsset.values()) {
      for (const [r, n] of counts) out[r] = (out[r] ?? 0) + n;
    }
    return out;
  }
}

function getOrCreate<K, V>(m: Map<K, Map<V, number>>, k: K): Map<V, number> {
  let v = m.get(k);
  if (v === undefined) {
    v = new Map();
    m.set(k, v);
  }
  return v;
}
