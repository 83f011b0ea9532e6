import { resolveStatePath } from "../config/state-path.js";
import { dirname } from "node:path";
import type { Logger } from "pino";
import type { CommandConfig } from "../config/actions-schema.js";
import type { LoadedConfig, ResolvedAsset } from "../config/load-config.js";
import type { Advice } from "../types.js";
import { isActionError } from "./action-error.js";
import { type ActionMqtt, confirmFilter } from "./action-mqtt.js";
import { planJobs } from "./action-rules.js";
import type { AdviceConsumer } from "./advice-consumer.js";
import { checkActionConfig } from "./check-action-config.js";
import { CommandAudit } from "./command-audit.js";
import { CommandReplies, replyTopics } from "./command-replies.js";
import { CommandRunner } from "./command-runner.js";
import type { CommandTransport } from "./command-transport.js";
import { createTicketTarget } from "./create-ticket-target.js";
import type { OutboxCounts } from "./outbox-store.js";
import { OutboxStore } from "./outbox-store.js";
import { OutboxWorker } from "./outbox-worker.js";
import { TicketDelivery } from "./ticket-delivery.js";

export interface ActionConsumerOptions {
  readonly config: Pick<LoadedConfig, "fleetFile" | "fleet" | "assets">;
  readonly log: Logger;
  /** The agent's MQTT connection, once it exists (commands, requests, audit, confirmations). */
  readonly mqtt?: () => ActionMqtt | null;
  /** Command transports besides MQTT (the serial source that owns a port). */
  readonly transports?: { readonly serial?: CommandTransport };
  readonly now?: () => number;
  readonly random?: () => number;
  readonly env?: NodeJS.ProcessEnv;
  /** Longest sleep of the delivery loop (ms), default 1000. */
  readonly pollMs?: number;
}

export interface ActionStats {
  readonly advices: number;
  readonly jobsWritten: number;
  readonly duplicates: number;
  readonly rejectedFull: number;
  readonly advised: number;
  readonly errors: number;
  readonly full: boolean;
  readonly outbox: OutboxCounts;
  readonly tickets: { delivered: number; retried: number; failed: number };
  readonly commands: Readonly<Record<string, number>>;
  readonly replies: Readonly<Record<string, number>>;
}

const PRUNE_EVERY_MS = 60_000;

/**
 * Acts on advice: each advice change is planned into jobs (tickets to open, update or resolve;
 * commands to send) by the asset's profile rules, and written to the durable outbox before
 * `onAdvice` returns; the worker delivers them on its own time. Never throws into the pipeline.
 */
export class ActionConsumer implements AdviceConsumer {
  readonly name = "actions";
  private readonly opts: ActionConsumerOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly assets = new Map<string, ResolvedAsset>();
  private store: OutboxStore | null = null;
  private worker: OutboxWorker | null = null;
  private tickets: TicketDelivery | null = null;
  private audit: CommandAudit | null = null;
  private replies: CommandReplies | null = null;
  private full = false;
  private lastPruneMs = 0;
  private readonly reported = new Set<string>();
  private readonly counters = {
    advices: 0,
    jobsWritten: 0,
    duplicates: 0,
    rejectedFull: 0,
    advised: 0,
    errors: 0,
  };

  constructor(opts: ActionConsumerOptions) {
    this.opts = opts;
    this.log = opts.log.child({ module: "actions" });
    this.now = opts.now ?? Date.now;
    for (const a of opts.config.assets) this.assets.set(a.ref.key, a);
  }

  /** The outbox file: `outbox.path`, relative to $STATE_DIRECTORY or else the fleet file. */
  get outboxFile(): string {
    const c = this.opts.config;
    return resolveStatePath(c.fleetFile, c.fleet.outbox.path, this.opts.env ?? process.env);
  }

  async start(): Promise<void> {
    const { config } = this.opts;
    const fleet = config.fleet;
    const o = fleet.outbox;
    const store = OutboxStore.open(this.outboxFile, { maxJobs: o.maxJobs, maxBytes: o.maxBytes });
    this.store = store;
    for (const i of checkActionConfig(config))
      this.log.error({ file: i.file, path: i.path }, `action rule skipped: ${i.message}`);
    const secrets = { baseDir: dirname(config.fleetFile), env: this.opts.env ?? process.env };
    const targets = new Map(
      Object.entries(fleet.ticketTargets).map(
        ([n, c]) => [n, createTicketTarget(n, c, secrets, fleet.agent.id)] as const,
      ),
    );
    const mqtt = () => this.opts.mqtt?.() ?? null;
    const prefix = fleet.topicPrefix;
    const commandsFor = (site: string, asset: string): Readonly<Record<string, CommandConfig>> | null =>
      this.assets.get(`${site}/${asset}`)?.profile.actions?.commands ?? null;
    this.audit = new CommandAudit({ prefix, mqtt, log: this.log, now: this.now });
    this.tickets = new TicketDelivery({
      store,
      targets,
      retry: o.retry,
      log: this.log,
      now: this.now,
      random: this.opts.random ?? Math.random,
    });
    const commands = new CommandRunner({
      store,
      prefix,
      mqtt,
      transports: this.opts.transports ?? {},
      commandsFor,
      maxMode: fleet.actuation.maxMode,
      audit: this.audit,
      log: this.log,
      now: this.now,
    });
    const { ackTopics, confirms } = replyTopics([...this.assets.values()], prefix, fleet.actuation.maxMode);
    this.replies = new CommandReplies({
      store,
      prefix,
      commandsFor,
      ackTopics,
      audit: this.audit,
      log: this.log,
      now: this.now,
      wake: () => this.worker?.wake(),
    });
    const interrupted = store.recoverInterrupted(this.now());
    for (const job of interrupted)
      if (job.kind === "command") this.audit.event(job, "unknown", { code: "EA_COMMAND_OUTCOME_UNKNOWN" });
    if (interrupted.length > 0)
      this.log.warn(
        { jobs: interrupted.length },
        "outbox recovered deliveries interrupted by a stop or crash",
      );
    const conn = mqtt();
    const subs = [...(confirms ? [confirmFilter(prefix)] : []), ...ackTopics.keys()].map((topic) => ({
      topic,
      qos: 1 as const,
    }));
    if (conn !== null && subs.length > 0) {
      conn.subscribe(subs);
      conn.onMessage((topic, payload) => this.onMessage(topic, payload));
    } else if (subs.length > 0) {
      this.log.error(
        { topics: subs.map((s) => s.topic) },
        "no MQTT connection: confirmations and acknowledgements cannot arrive",
      );
    }
    this.worker = new OutboxWorker({
      store,
      handlers: {
        "ticket.open": this.tickets,
        "ticket.update": this.tickets,
        "ticket.resolve": this.tickets,
        command: commands,
      },
      concurrency: o.concurrency,
      log: this.log,
      now: this.now,
      onTick: (nowMs) => {
        commands.expireOverdue(nowMs);
        this.prune(nowMs);
      },
      pollMs: this.opts.pollMs ?? 1000,
    });
    this.worker.start();
    const counts = store.counts();
    this.log.info(
      { file: this.outboxFile, jobs: counts.jobs, waiting: counts.active, targets: [...targets.keys()] },
      "outbox opened",
    );
  }

  async stop(timeoutMs: number): Promise<void> {
    await this.worker?.stop(timeoutMs * 0.8);
    this.worker = null;
    this.store?.close();
    this.store = null;
  }

  onAdvice(advice: Advice, asset: ResolvedAsset): void {
    this.counters.advices++;
    const store = this.store;
    if (store === null) {
      this.counters.errors++;
      this.log.error(
        { asset: asset.ref.key, episode: advice.episodeId },
        "advice not acted on: the outbox is not open",
      );
      return;
    }
    try {
      const plan = planJobs(advice, {
        actions: asset.profile.actions,
        normalClass: asset.profile.advice.normalClass,
        maxMode: this.opts.config.fleet.actuation.maxMode,
        knownTargets: new Set(Object.keys(this.opts.config.fleet.ticketTargets)),
        episodeTickets: store.episodeTickets(advice.site, advice.asset, advice.episodeId),
      });
      for (const t of plan.unknownTargets)
        this.reportOnce(`target:${t}`, { target: t }, "a rule names an unknown ticket target: skipped");
      for (const c of plan.advised) {
        this.counters.advised++;
        this.log.info(
          {
            command: c,
            site: advice.site,
            asset: advice.asset,
            fault: advice.fault,
            episode: advice.episodeId,
          },
          `command ${c} advised, not sent (mode advise)`,
        );
      }
      if (plan.jobs.length === 0) return;
      const fresh = store.insert(plan.jobs, this.now());
      this.counters.jobsWritten += fresh.length;
      this.counters.duplicates += plan.jobs.length - fresh.length;
      if (this.full) {
        this.full = false;
        this.log.info(store.counts(), "outbox has room again");
      }
      for (const j of fresh) {
        this.log.info(
          {
            kind: j.kind,
            target: j.target,
            site: j.site,
            asset: j.asset,
            fault: j.fault,
            episode: j.episode,
            key: j.key,
          },
          `${j.kind} queued`,
        );
      }
      if (fresh.length > 0) this.worker?.wake();
    } catch (err) {
      if (isActionError(err) && err.code === "EA_OUTBOX_FULL") {
        this.counters.rejectedFull++;
        if (!this.full) {
          this.full = true;
          this.log.error(
            { code: err.code, rejected: this.counters.rejectedFull },
            `${err.message}: new actions are refused until jobs finish`,
          );
        }
        return;
      }
      this.counters.errors++;
      this.log.error(
        { err: (err as Error).message, asset: asset.ref.key, episode: advice.episodeId },
        "advice not acted on",
      );
    }
  }

  /** Outbox depth and the age of its oldest unfinished job, for /metrics and /healthz. */
  opsStats(): { outboxDepth: number; outboxOldestAgeS: number } {
    const oldest = this.store?.oldestActiveAtMs() ?? null;
    return {
      outboxDepth: this.waiting(),
      outboxOldestAgeS: oldest === null ? 0 : Math.max(0, (this.now() - oldest) / 1000),
    };
  }

  /** Jobs not finished yet (waiting, in flight, awaiting a confirmation or an ack). */
  waiting(): number {
    return this.store?.counts().active ?? 0;
  }

  stats(): ActionStats {
    return {
      ...this.counters,
      full: this.full,
      outbox: this.store?.counts() ?? { jobs: 0, active: 0, bytes: 0 },
      tickets: { ...(this.tickets?.stats ?? { delivered: 0, retried: 0, failed: 0 }) },
      commands: { ...(this.audit?.counts ?? {}) },
      replies: { ...(this.replies?.stats ?? {}) },
    };
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (this.store === null) return; // stopped: the broker redelivers what was not acknowledged
    try {
      this.replies?.onMessage(topic, payload);
    } catch (err) {
      this.log.error({ err: (err as Error).message, topic }, "command reply not handled");
    }
  }

  private prune(nowMs: number): void {
    if (nowMs - this.lastPruneMs < PRUNE_EVERY_MS || this.store === null) return;
    this.lastPruneMs = nowMs;
    const n = this.store.prune(nowMs - this.opts.config.fleet.outbox.keepDoneS * 1000);
    if (n > 0) this.log.debug({ pruned: n }, "outbox pruned finished jobs");
  }

  private reportOnce(key: string, fields: Record<string, unknown>, msg: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.log.error(fields, msg);
  }
}
