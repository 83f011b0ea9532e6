import type { AdviceClassConfig, AdviceConfig } from "../config/profile-schema.js";
import type { Advice, AdviceTransition, Prediction, Severity } from "../types.js";
import { severityRank } from "../types.js";

export interface AdviceMachineOptions {
  readonly site: string;
  readonly asset: string;
  readonly model: string;
  readonly modelVersion: string;
  readonly advice: AdviceConfig;
  /** The model's class labels in output order (empty for regressors). */
  readonly labels: readonly string[];
}

/** What the machine currently advises. */
export interface AdviceState {
  readonly fault: string;
  readonly severity: Severity;
  readonly sinceMs: number;
  readonly episodeId: string | null;
}

interface ClassRule {
  readonly severity: Severity;
  readonly action: string;
  readonly k: number;
  readonly n: number;
  readonly enter: number;
  readonly exit: number;
}

/**
 * Per asset and model: turns a stream of predictions into advice changes, so that advice
 * changes only when the evidence does.
 *
 * - A window votes for its predicted class when that class's probability reaches
 *   `enterProbability`; the current class keeps the vote while its probability stays at or
 *   above `exitProbability` (hysteresis). Other windows do not vote.
 * - The advice changes to class X when X has at least k of the last n votes (k-of-n debounce),
 *   the current advice has been held for `minHoldMs`, and X is not cooling down: a fault that
 *   was cleared is not raised again for `cooldownMs`.
 * - A change out of the normal class opens an episode; its id stays through escalations and
 *   ends with the recovery to normal.
 *
 * Pure: time comes in as an argument.
 */
export class AdviceMachine {
  private readonly opts: AdviceMachineOptions;
  private readonly rules = new Map<string, ClassRule>();
  private readonly normal: string;
  private readonly votes: (string | null)[];
  private readonly voteProbs: Float64Array;
  private head = 0;
  private filled = 0;
  private state: AdviceState;
  private readonly cooldownUntil = new Map<string, number>();
  private readonly labelIndex: ReadonlyMap<string, number>;

  constructor(opts: AdviceMachineOptions) {
    this.opts = opts;
    const a = opts.advice;
    this.normal = a.normalClass;
    this.labelIndex = new Map(opts.labels.map((l, i) => [l, i]));
    let maxN = a.debounce.n;
    for (const [name, c] of Object.entries(a.classes)) {
      const rule = toRule(a, c);
      this.rules.set(name, rule);
      maxN = Math.max(maxN, rule.n);
    }
    this.votes = new Array<string | null>(maxN).fill(null);
    this.voteProbs = new Float64Array(maxN);
    const normalRule = this.rule(this.normal);
    this.state = { fault: this.normal, severity: normalRule.severity, sinceMs: -Infinity, episodeId: null };
  }

  get current(): AdviceState {
    return this.state;
  }

  /** Feed one prediction; returns the advice change it caused, or null. */
  update(p: Prediction, nowMs: number): Advice | null {
    const vote = this.vote(p);
    this.votes[this.head] = vote.cls;
    this.voteProbs[this.head] = vote.prob;
    this.head = (this.head + 1) % this.votes.length;
    if (this.filled < this.votes.length) this.filled++;
    if (vote.cls === null || vote.cls === this.state.fault) return null;

    const target = vote.cls;
    const rule = this.rule(target);
    const { count, probSum } = this.countRecent(target, rule.n);
    if (count < rule.k) return null;
    if (nowMs - this.state.sinceMs < this.opts.advice.minHoldMs) return null;
    if ((this.cooldownUntil.get(target) ?? -Infinity) > nowMs) return null;
    return this.change(target, probSum / count, p, nowMs);
  }

  private vote(p: Prediction): { cls: string | null; prob: number } {
    const cur = this.state.fault;
    const curProb = this.probabilityOf(p, cur);
    if (p.className === cur) return { cls: cur, prob: curProb };
    if (curProb >= this.rule(cur).exit) return { cls: cur, prob: curProb };
    if (this.rules.has(p.className) && p.confidence >= this.rule(p.className).enter) {
      return { cls: p.className, prob: p.confidence };
    }
    return { cls: null, prob: 0 };
  }

  /** Probability the prediction gives a class (regressors: 1 for the mapped class, else 0). */
  private probabilityOf(p: Prediction, cls: string): number {
    if (p.className === cls) return p.confidence;
    const i = this.labelIndex.get(cls);
    return i === undefined ? 0 : (p.probabilities[i] ?? 0);
  }

  private countRecent(cls: string, n: number): { count: number; probSum: number } {
    let count = 0;
    let probSum = 0;
    const len = this.votes.length;
    for (let i = 1; i <= Math.min(n, this.filled); i++) {
      const idx = (this.head - i + len) % len;
      if (this.votes[idx] === cls) {
        count++;
        probSum += this.voteProbs[idx]!;
      }
    }
    return { count, probSum };
  }

  private change(target: string, confidence: number, p: Prediction, nowMs: number): Advice {
    const prev = this.state;
    const rule = this.rule(target);
    let transition: AdviceTransition;
    let episodeId: string;
    if (prev.fault === this.normal) {
      transition = "raise";
      episodeId = `${this.opts.site}.${this.opts.asset}.${this.opts.model}.${Math.round(p.tsMs).toString(36)}`;
    } else {
      episodeId = prev.episodeId ?? "";
      if (target === this.normal) transition = "recover";
      else {
        const d = severityRank(rule.severity) - severityRank(prev.severity);
        transition = d > 0 ? "escalate" : d < 0 ? "deescalate" : "change";
      }
      this.cooldownUntil.set(prev.fault, nowMs + this.opts.advice.cooldownMs);
    }
    this.state = {
      fault: target,
      severity: rule.severity,
      sinceMs: nowMs,
      episodeId: target === this.normal ? null : episodeId,
    };
    // Fresh evidence is needed for the next change.
    this.votes.fill(null);
    this.filled = 0;
    return {
      site: this.opts.site,
      asset: this.opts.asset,
      model: this.opts.model,
      modelVersion: this.opts.modelVersion,
      fault: target,
      severity: rule.severity,
      confidence,
      action: rule.action,
      windowTsMs: p.tsMs,
      changedAtMs: nowMs,
      episodeId,
      previousFault: prev.fault,
      previousSeverity: prev.severity,
      transition,
      value: p.value,
    };
  }

  private rule(cls: string): ClassRule {
    const r = this.rules.get(cls);
    if (r === undefined) throw new Error(`EA_INTERNAL: no advice rule for class "${cls}"`);
    return r;
  }
}

function toRule(a: AdviceConfig, c: AdviceClassConfig): ClassRule {
  const d = c.debounce ?? a.debounce;
  return {
    severity: c.severity,
    action: c.action,
    k: d.k,
    n: d.n,
    enter: c.enterProbability ?? a.enterProbability,
    exit: c.exitProbability ?? a.exitProbability,
  };
}
