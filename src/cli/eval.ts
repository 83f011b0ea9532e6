import { parseArgs } from "node:util";
import { type EvaluateOptions, evaluateModelReport } from "../eval/evaluate-model.js";
import { formatReport } from "../eval/format-report.js";
import { EX_DATAERR, EX_OK, EX_USAGE } from "./exit-codes.js";

const USAGE = `edge-agent eval --model models/<name> --data <dataset folder or file> [--json]
                [--test-set] [--fault-sizes 0.007,0.021] [--loads 0,1] [--hop SAMPLES]
                [--range FILE:FROM-TO ...]

Runs the model through the agent's own window, feature and inference code over a dataset in
the formats of the shared datasets (a CWRU-style manifest of float32 recordings, an AI4I CSV,
C-MAPSS train_FD00x.txt or test_FD00x.txt + RUL_FD00x.txt) and prints the metrics; --json
prints one JSON object.

Recordings only: --test-set scores the test set the model's manifest records (metrics.testSet,
e.g. a cross-size fold model's held-out size and time block); --fault-sizes, --loads, --hop and
--range (only samples [FROM, TO) of recording FILE, as the dataset's manifest names it) select
by hand and take precedence.`;

const numbers = (s: string | undefined) => (s === undefined ? undefined : s.split(",").map(Number));

/** `signals/normal.f32:0-21600` → [file, [0, 21600]], or null when malformed. */
export function parseRange(text: string): [string, [number, number]] | null {
  const m = /^(.+):(\d+)-(\d+)$/.exec(text);
  if (m === null) return null;
  const from = Number(m[2]);
  const to = Number(m[3]);
  return from < to ? [m[1]!, [from, to]] : null;
}

/** `edge-agent eval`. */
export async function evalCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: "string", short: "m" },
      data: { type: "string", short: "d" },
      json: { type: "boolean", default: false },
      "fault-sizes": { type: "string" },
      loads: { type: "string" },
      hop: { type: "string" },
      range: { type: "string", multiple: true },
      "test-set": { type: "boolean", default: false },
    },
  });
  if (!values.model || !values.data) {
    process.stderr.write(`${USAGE}\n`);
    return EX_USAGE;
  }
  const ranges = (values.range ?? []).map((r) => [r, parseRange(r)] as const);
  const bad = ranges.find(([, r]) => r === null);
  if (bad !== undefined) {
    process.stderr.write(`--range ${bad[0]}: expected FILE:FROM-TO with FROM < TO (samples)\n${USAGE}\n`);
    return EX_USAGE;
  }
  const opts: EvaluateOptions = {
    testSet: values["test-set"],
    cwru: {
      ...(values["fault-sizes"] ? { faultSizesIn: numbers(values["fault-sizes"])! } : {}),
      ...(values.loads ? { loadsHp: numbers(values.loads)! } : {}),
      ...(values.hop ? { hopSamples: Number(values.hop) } : {}),
      ...(ranges.length > 0 ? { recordingRanges: Object.fromEntries(ranges.map(([, r]) => r!)) } : {}),
    },
  };
  try {
    const report = await evaluateModelReport(values.model, values.data, opts);
    process.stdout.write(
      values.json
        ? `${JSON.stringify(report.metrics)}\n`
        : `${formatReport(report.metrics, report.details)}\n`,
    );
    return EX_OK;
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code?.startsWith("EA_")) {
      // EvaluationError's message already starts with its code.
      const text = e.message.startsWith(`${e.code}:`) ? e.message : `${e.code}: ${e.message}`;
      process.stderr.write(`${text}\n`);
      return EX_DATAERR;
    }
    throw err;
  }
}
