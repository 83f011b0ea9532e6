import { parseArgs } from "node:util";
import { ConfigError, formatIssue } from "../config/config-issue.js";
import { loadConfig } from "../config/load-config.js";
import { storeFile } from "../sinks/create-sinks.js";
import { SinkError } from "../sinks/sink-error.js";
import { type ExportFormat, exportStore } from "../sinks/store-export.js";
import { STORE_TABLES, type StoreTable } from "../sinks/store-schema.js";
import { EX_CONFIG, EX_OK, EX_USAGE } from "./exit-codes.js";

/** sysexits(3): an input file (the local store) does not exist. */
const EX_NOINPUT = 66;

export const EXPORT_USAGE = `edge-agent export --config FILE --since WHEN [--until WHEN] [--format lp|csv] [--measurement NAME]...

Writes the local history store (features, predictions, advice) to stdout.
  WHEN           an ISO time (2026-11-28T06:00:00Z) or a duration back from now (90s, 30m, 24h, 7d, 2w)
  --format       lp: InfluxDB line protocol, ms precision (default; \`influx write --precision ms\`)
                 csv: one measurement, a header and one row per point
  --measurement  features, predictions or advice (repeat or comma-separate; default: all, for lp)`;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `24h` → now − 24 h; an ISO time → that time. A string is the problem. */
export function parseWhen(text: string, nowMs: number): number | string {
  const d = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (d) return nowMs - Number(d[1]) * UNIT_MS[d[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) return t;
  }
  return `"${text}" is neither an ISO time (2026-11-28T06:00:00Z) nor a duration (90s, 30m, 24h, 7d)`;
}

/** `edge-agent export`: the local store's history as line protocol or CSV on stdout. */
export async function exportCommand(
  args: string[],
  out: (text: string) => Promise<void> = writeStdout,
  nowMs: number = Date.now(),
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string", short: "c" },
      since: { type: "string" },
      until: { type: "string" },
      format: { type: "string", default: "lp" },
      measurement: { type: "string", multiple: true },
    },
  });
  const usage = (msg: string) => {
    process.stderr.write(`${msg}\n\n${EXPORT_USAGE}\n`);
    return EX_USAGE;
  };
  if (!values.config) return usage("export needs --config FILE");
  if (!values.since) return usage("export needs --since (e.g. --since 24h)");
  const since = parseWhen(values.since, nowMs);
  if (typeof since === "string") return usage(`--since: ${since}`);
  const until = values.until === undefined ? nowMs + 1 : parseWhen(values.until, nowMs);
  if (typeof until === "string") return usage(`--until: ${until}`);
  if (until <= since) return usage("--until must be later than --since");
  const format = values.format as ExportFormat;
  if (format !== "lp" && format !== "csv") return usage(`--format must be lp or csv, got "${values.format}"`);
  const asked = (values.measurement ?? []).flatMap((m) => m.split(",")).filter((m) => m !== "");
  const unknown = asked.filter((m) => !(STORE_TABLES as readonly string[]).includes(m));
  if (unknown.length > 0)
    return usage(`unknown measurement "${unknown[0]}" (one of ${STORE_TABLES.join(", ")})`);
  const tables = (
    asked.length > 0 ? STORE_TABLES.filter((t) => asked.includes(t)) : [...STORE_TABLES]
  ) as StoreTable[];
  if (format === "csv" && tables.length !== 1)
    return usage("--format csv needs one --measurement (a table per file)");

  let path: string;
  try {
    path = storeFile(loadConfig(values.config));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const i of err.issues) process.stderr.write(`${formatIssue(i)}\n`);
    process.stderr.write(`${err.issues.length} problem(s) found (${err.code})\n`);
    return EX_CONFIG;
  }
  try {
    const n = await exportStore(path, { sinceMs: since, untilMs: until, tables, format }, out);
    process.stderr.write(`${n} point(s) exported from ${path}\n`);
    return EX_OK;
  } catch (err) {
    if (!(err instanceof SinkError)) throw err;
    process.stderr.write(
      `${err.message} (${err.code})\nThe agent keeps a local store when the fleet file has no influx: section, or with store.enabled: true.\n`,
    );
    return EX_NOINPUT;
  }
}

function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.stdout.write(text)) resolve();
    else {
      process.stdout.once("drain", resolve);
      process.stdout.once("error", reject);
    }
  });
}
