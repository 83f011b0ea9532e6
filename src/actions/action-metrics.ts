import { Counter, Gauge, type Registry } from "prom-client";
import type { ActionStats } from "./action-consumer.js";

/** What the metrics read: the consumer's `stats()`. */
export interface ActionStatsSource {
  stats(): ActionStats;
}

/**
 * Prometheus metrics of the outbox, read from the consumer when scraped:
 * `edge_agent_outbox_jobs_by_state{state="all|waiting"}`, `edge_agent_outbox_bytes`,
 * `edge_agent_outbox_full` (1 while new actions are refused), and counters
 * `edge_agent_outbox_rejected_total` (actions refused because it was full),
 * `edge_agent_ticket_deliveries_total{outcome="delivered|retried|failed"}` and
 * `edge_agent_command_events_total{event}` (sent, acked, expired, refused, …).
 */
export function registerActionMetrics(registry: Registry, source: ActionStatsSource): void {
  const registers = [registry];
  new Gauge({
    name: "edge_agent_outbox_jobs_by_state",
    help: "Jobs in the outbox: all kept, or still waiting to finish",
    labelNames: ["state"],
    registers,
    collect() {
      const s = source.stats();
      this.set({ state: "all" }, s.outbox.jobs);
      this.set({ state: "waiting" }, s.outbox.active);
    },
  });
  new Gauge({
    name: "edge_agent_outbox_bytes",
    help: "Bytes the outbox uses in its SQLite file",
    registers,
    collect() {
      this.set(source.stats().outbox.bytes);
    },
  });
  new Gauge({
    name: "edge_agent_outbox_full",
    help: "1 while the outbox is full and new actions are refused",
    registers,
    collect() {
      this.set(source.stats().full ? 1 : 0);
    },
  });
  /** Counters are set from the consumer's own counts on each scrape (they only grow). */
  const follow = (c: Counter<string>, labels: Record<string, string>, value: number) => {
    if (value > 0) c.inc(labels, value);
  };
  new Counter({
    name: "edge_agent_outbox_rejected_total",
    help: "Actions refused because the outbox was full",
    registers,
    collect() {
      this.reset();
      follow(this, {}, source.stats().rejectedFull);
    },
  });
  new Counter({
    name: "edge_agent_ticket_deliveries_total",
    help: "Ticket delivery attempts by outcome",
    labelNames: ["outcome"],
    registers,
    collect() {
      this.reset();
      const t = source.stats().tickets;
      for (const outcome of ["delivered", "retried", "failed"] as const)
        follow(this, { outcome }, t[outcome]);
    },
  });
  new Counter({
    name: "edge_agent_command_events_total",
    help: "Actuator command events (requested, confirmed, sent, acked, expired, refused, …)",
    labelNames: ["event"],
    registers,
    collect() {
      this.reset();
      for (const [event, n] of Object.entries(source.stats().commands)) follow(this, { event }, n);
    },
  });
}
