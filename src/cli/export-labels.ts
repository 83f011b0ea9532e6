import { resolveStatePath } from "../config/state-path.js";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { expandEnv } from "../config/env-expand.js";
import { fleetQualityOf } from "../config/quality-schema.js";
import { readYaml } from "../config/read-yaml.js";
import { FeedbackStore } from "../feedback/feedback-store.js";
import { exportLabels } from "../feedback/label-export.js";
import { EX_CONFIG, EX_OK, EX_USAGE } from "./exit-codes.js";

export const EXPORT_LABELS_USAGE =
  "edge-agent export-labels --config FILE --out DIR [--since ISO-TIME|DAYSd] [--base CWRU-STYLE-DATASET]";

/** `--since 2025-01-31T00:00:00Z`, `--since 2025-01-31` or `--since 7d` (days back from now). */
export function parseSince(s: string | undefined, nowMs: number): number | null {
  if (s === undefined) return 0;
  const days = /^(\d+(?:\.\d+)?)d$/.exec(s);
  if (days) return nowMs - Number(days[1]) * 86_400_000;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

/**
 * `edge-agent export-labels`: writes the episodes that got feedback since a time as training
 * data (features CSV per model; raw vibration windows as a CWRU-style dataset) into DIR. Reads
 * only the fleet file's `feedback:` and `capture:` sections, so it runs beside a live agent
 * (the store is SQLite in WAL mode) without the agent's secrets.
 */
export async function exportLabelsCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string", short: "c" },
      out: { type: "string", short: "o" },
      since: { type: "string" },
      base: { type: "string" },
    },
  });
  const err = (l: string) => process.stderr.write(`${l}\n`);
  if (!values.config || !values.out) {
    err(`export-labels needs --config FILE and --out DIR\n\nUsage: ${EXPORT_LABELS_USAGE}`);
    return EX_USAGE;
  }
  const sinceMs = parseSince(values.since, Date.now());
  if (sinceMs === null) {
    err(`--since: expected an ISO 8601 time or a number of days such as 7d, found "${values.since}"`);
    return EX_USAGE;
  }
  const fleetFile = resolve(values.config);
  const { data, issues } = readYaml(fleetFile);
  if (issues.length > 0 || data === null || typeof data !== "object") {
    for (const i of issues) err(`${i.file}: ${i.message}`);
    if (issues.length === 0) err(`${fleetFile}: expected a fleet file (a YAML mapping)`);
    return EX_CONFIG;
  }
  let settings: ReturnType<typeof fleetQualityOf>;
  try {
    settings = fleetQualityOf(expandEnv(data, process.env, []) as object);
  } catch (e) {
    err(`${fleetFile}: feedback/capture sections: ${(e as Error).message}`);
    return EX_CONFIG;
  }
  const p = settings.feedback.path;
  const dbPath = resolveStatePath(fleetFile, p);
  if (!existsSync(dbPath)) {
    err(`no feedback store at ${dbPath}: has the agent run with this fleet file?`);
    return EX_CONFIG;
  }
  const store = new FeedbackStore(dbPath);
  store.open();
  try {
    const s = await exportLabels(store, { sinceMs, out: resolve(values.out), base: values.base });
    const rows = Object.entries(s.featureRows).map(([m, n]) => `${m} ${n}`);
    process.stdout.write(
      `${s.episodes} labelled episode(s); feature rows: ${rows.join(", ") || "none"}; ` +
        `${s.recordings} raw recording(s) (${s.recordingSamples} samples)` +
        `${s.baseRecordings > 0 ? ` + ${s.baseRecordings} from the base dataset` : ""} → ${resolve(values.out)}\n`,
    );
    for (const k of s.skipped) err(`skipped ${k.episodeId}: ${k.reason}`);
    return EX_OK;
  } finally {
    store.close();
  }
}
