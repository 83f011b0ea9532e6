export interface BackoffConfig {
  readonly minMs: number;
  readonly maxMs: number;
  /** Fraction of the delay added or removed at random (0.2 → ±20 %). */
  readonly jitter: number;
}

/** Delay before retry number `attempt` (1-based): minMs × 2^(attempt−1), capped at maxMs, ± jitter. */
export function nextBackoffMs(attempt: number, c: BackoffConfig, random: () => number): number {
  const base = Math.min(c.maxMs, c.minMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const spread = base * c.jitter * (2 * random() - 1);
  return Math.max(1, Math.round(Math.min(c.maxMs, base + spread)));
}
