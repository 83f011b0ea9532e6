/**
 * Paces the replay of spooled batches to `pointsPerS` on average, so that a server that is back
 * after an outage is not flooded and live batches keep their turn. A batch may go when the
 * previous one's share of time has passed; one batch larger than a second's worth still goes.
 * Pure: the caller passes the time.
 */
export class ReplayPacer {
  private readonly pointsPerS: number;
  private nextAtMs = Number.NEGATIVE_INFINITY;

  constructor(pointsPerS: number) {
    this.pointsPerS = pointsPerS;
  }

  /** Milliseconds until the next replay batch may go (0: now). */
  waitMs(nowMs: number): number {
    return Math.max(0, Math.ceil(this.nextAtMs - nowMs));
  }

  /** A replay batch of `points` went out at `nowMs`. */
  sent(points: number, nowMs: number): void {
    this.nextAtMs = Math.max(nowMs, this.nextAtMs) + (points * 1000) / this.pointsPerS;
  }
}
