import { parseArgs } from "node:util";
import { type EvaluateOptions, evaluateModelReport } from "../eval/evaluate-model.js";
import { formatReport } from "../eval/format-report.js";
import { EX_DATAERR, EX_OK, EX_USAGE } from "./exit-codes.js";

const USAGE = `edge-agent eval --model models/<name> --data <dataset folder or file> [--json]
                [--fault-sizes 0.007,0.021] [--loads 0,1] [--hop SAMPLES]

Runs the model through the agent's own window, feature and inference code over a dataset in
the formats of the shared datasets (a CWRU-style manifest of float32 recordings, an AI4I CSV,
C-MAPSS train_FD00x.txt or test_FD00x.txt + RUL_FD00x.txt) and prints the metrics; --json
prints one JSON object.`;

const numbers = (s: string | undefined) => (s === undefined ? undefined : s.split(",").map(Number));

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
    },
  });
  if (!values.model || !values.data) {
    process.stderr.write(`${USAGE}\n`);
    return EX_USAGE;
  }
  const opts: EvaluateOptions = {
    cwru: {
      ...(values["fault-sizes"] ? { faultSizesIn: numbers(values["fault-sizes"])! } : {}),
      ...(values.loads ? { loadsHp: numbers(values.loads)! } : {}),
      ...(values.hop ? { hopSamples: Number(values.hop) } : {}),
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
      process.stderr.write(`${e.code}: ${e.message}\n`);
      return EX_DATAERR;
    }
    throw err;
  }
}
