/** Human-readable evaluation report: headline figures, per-class table, confusion matrix. */

import type { ClassifierEvalMetrics, EvalDetails, EvalMetrics, RulEvalMetrics } from "./eval-types.js";
import { isRulMetrics } from "./eval-types.js";

function fixed(v: number, digits = 4): string {
  return Number.isFinite(v) ? v.toFixed(digits) : String(v);
}

/** Rows of cells as aligned text columns (first column left-aligned, the others right-aligned). */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, j) => {
      widths[j] = Math.max(widths[j] ?? 0, c.length);
    });
  }
  return rows
    .map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join("  "))
    .join("\n");
}

function formatClassifier(m: ClassifierEvalMetrics): string[] {
  const lines = [`accuracy   ${fixed(m.accuracy)}`, `macro F1   ${fixed(m.macro_f1)}`];
  if (m.f1 !== undefined) {
    lines.push(
      `failure    precision ${fixed(m.precision ?? Number.NaN)}  recall ${fixed(m.recall ?? Number.NaN)}  ` +
        `F1 ${fixed(m.f1)}  PR-AUC ${fixed(m.pr_auc ?? Number.NaN)}`,
    );
  }
  lines.push("", "per class:");
  const perClass = [["class", "precision", "recall", "f1", "support"]];
  for (const label of m.labels) {
    const c = m.per_class[label];
    if (c === undefined) continue;
    perClass.push([label, fixed(c.precision), fixed(c.recall), fixed(c.f1), String(c.support)]);
  }
  lines.push(formatTable(perClass), "", "confusion (rows: true, columns: predicted):");
  const confusion = [["", ...m.labels]];
  m.labels.forEach((label, i) => {
    confusion.push([label, ...(m.confusion[i] ?? []).map(String)]);
  });
  lines.push(formatTable(confusion));
  return lines;
}

function formatRul(m: RulEvalMetrics, d: EvalDetails | undefined): string[] {
  const cap = d?.rulCap !== undefined ? ` (true RUL capped at ${d.rulCap})` : "";
  const lines = [
    `last cycle of each engine${cap}:`,
    `  RMSE         ${fixed(m.rmse, 3)}`,
    `  PHM08 score  ${fixed(m.phm08_score, 2)}`,
  ];
  if (d?.windows !== undefined) {
    lines.push(
      `every window (${d.windows.count}):`,
      `  RMSE         ${fixed(d.windows.rmse, 3)}`,
      `  PHM08 score  ${fixed(d.windows.phm08_score, 2)}`,
    );
  }
  return lines;
}

/** The report as text; `details` (from evaluateModelReport) adds what was scored. */
export function formatReport(metrics: EvalMetrics, details?: EvalDetails): string {
  const head: string[] = [];
  if (details !== undefined) {
    const layout = details.layout !== undefined ? ` (${details.layout} layout)` : "";
    head.push(
      `model ${details.model.name} ${details.model.version} on ${details.dataset}${layout}: ${details.count} ${details.unit}s`,
    );
    if (details.selection !== undefined) head.push(`scored: ${details.selection}`);
    head.push("");
  }
  const body = isRulMetrics(metrics) ? formatRul(metrics, details) : formatClassifier(metrics);
  return [...head, ...body].join("\n");
}
