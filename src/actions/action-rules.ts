import {
  type ActionMode,
  type ActionRule,
  ACTION_MODES,
  type ProfileActions,
} from "../config/actions-schema.js";
import { type Advice, severityRank } from "../types.js";
import {
  type CommandJobPayload,
  commandKey,
  type PlannedJob,
  shortId,
  snapshot,
  type TicketJobPayload,
  ticketKey,
} from "./action-jobs.js";

/** A ticket already planned in the advice's episode (from the outbox). */
export interface EpisodeTicket {
  readonly target: string;
  readonly ticketKey: string;
  readonly openedFor: string;
}

export interface PlanContext {
  readonly actions: ProfileActions | undefined;
  readonly normalClass: string;
  /** The fleet's ceiling on command modes (`actuation.maxMode`). */
  readonly maxMode: ActionMode;
  /** Ticket targets the fleet configures; rules naming others are skipped (and reported). */
  readonly knownTargets: ReadonlySet<string>;
  readonly episodeTickets: readonly EpisodeTicket[];
}

export interface Plan {
  readonly jobs: readonly PlannedJob[];
  /** Commands a rule asked for that are only advised (mode `advise`): never sent. */
  readonly advised: readonly string[];
  /** Ticket targets a rule names that the fleet does not configure. */
  readonly unknownTargets: readonly string[];
}

/**
 * Turns an advice change into the jobs it calls for (pure):
 * - a fault advice opens a ticket on every target its matching rules name that has no ticket in
 *   the episode yet, and updates the episode's existing tickets when the advice escalates,
 *   de-escalates or changes fault;
 * - recovery resolves every ticket of the episode;
 * - matching rules' commands are sent once per episode and fault, unless their mode (capped
 *   by the fleet's `actuation.maxMode`) is `advise`.
 * Keys depend only on the advice, so planning the same advice twice plans the same jobs.
 */
export function planJobs(advice: Advice, ctx: PlanContext): Plan {
  const jobs: PlannedJob[] = [];
  const advised: string[] = [];
  const unknownTargets: string[] = [];
  const snap = snapshot(advice);
  const base = { site: advice.site, asset: advice.asset, fault: advice.fault, episode: advice.episodeId };

  const ticketJob = (t: EpisodeTicket, kind: PlannedJob["kind"], suffix: string): PlannedJob => {
    const payload: TicketJobPayload = { type: "ticket", advice: snap, openedFor: t.openedFor };
    return {
      ...base,
      key: `${t.ticketKey}#${suffix}`,
      lane: t.ticketKey,
      kind,
      target: t.target,
      cmdId: null,
      payload,
      expiresAtMs: null,
    };
  };

  if (advice.transition === "recover" || advice.fault === ctx.normalClass) {
    for (const t of ctx.episodeTickets) jobs.push(ticketJob(t, "ticket.resolve", "resolve"));
    return { jobs, advised, unknownTargets };
  }

  const rules = (ctx.actions?.rules ?? []).filter((r) => matches(r, advice));
  if (advice.transition !== "raise") {
    for (const t of ctx.episodeTickets)
      jobs.push(ticketJob(t, "ticket.update", `update@${advice.changedAtMs}`));
  }
  const targets = unique(rules.flatMap((r) => r.tickets));
  for (const target of targets) {
    if (!ctx.knownTargets.has(target)) {
      unknownTargets.push(target);
      continue;
    }
    if (ctx.episodeTickets.some((t) => t.target === target)) continue;
    const key = ticketKey(advice.site, advice.asset, advice.fault, advice.episodeId, target);
    jobs.push(ticketJob({ target, ticketKey: key, openedFor: advice.fault }, "ticket.open", "open"));
  }

  const seen = new Set<string>();
  for (const r of rules) {
    for (const ref of r.commands) {
      const name = typeof ref === "string" ? ref : ref.name;
      const cfg = ctx.actions?.commands[name];
      if (cfg === undefined || seen.has(name)) continue;
      seen.add(name);
      const mode = lowerMode(cfg.mode, ctx.maxMode);
      if (mode === "advise") {
        advised.push(name);
        continue;
      }
      const params: Record<string, number> = {};
      for (const [p, spec] of Object.entries(cfg.params))
        if (spec.default !== undefined) params[p] = spec.default;
      if (typeof ref !== "string") Object.assign(params, ref.params);
      const key = commandKey(advice.site, advice.asset, advice.fault, advice.episodeId, name);
      const payload: CommandJobPayload = { type: "command", advice: snap, command: name, params, mode };
      jobs.push({
        ...base,
        key,
        lane: key,
        kind: "command",
        target: name,
        cmdId: shortId(key),
        payload,
        expiresAtMs: advice.changedAtMs + cfg.maxAgeS * 1000,
      });
    }
  }
  return { jobs, advised, unknownTargets };
}

/** Whether a rule applies to a fault advice: its class (or any) at its minimum severity or above. */
export function matches(rule: ActionRule, advice: Pick<Advice, "fault" | "severity">): boolean {
  if (rule.class !== undefined) {
    const classes = typeof rule.class === "string" ? [rule.class] : rule.class;
    if (!classes.includes(advice.fault)) return false;
  }
  return severityRank(advice.severity) >= severityRank(rule.minSeverity);
}

/** The more cautious of two modes (advise < confirm < auto). */
export function lowerMode(a: ActionMode, b: ActionMode): ActionMode {
  return ACTION_MODES.indexOf(a) <= ACTION_MODES.indexOf(b) ? a : b;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
