#!/usr/bin/env node
import { parseArgs } from "node:util";
import { EX_USAGE } from "./exit-codes.js";

const USAGE = `edge-agent — predictive-maintenance agent

Usage:
  edge-agent run --config FILE [--human] [--log-level LEVEL]
  edge-agent validate --config FILE
  edge-agent simulate [--url URL] [--prefix P] [--site S] [--assets a1,a2] [--fault ASSET:CLASS@SECONDS] [--seconds N]
  edge-agent eval --model models/<name> --data <dataset> [--json]
  edge-agent replay --config FILE --file RECORDING [--asset SITE/ASSET] [--rpm R] [--json]
  edge-agent simulate --serial PATH [--format json|csv|frame] [--fault CLASS@SECONDS] [--baud N] [--seconds N]
  edge-agent export --config FILE --since WHEN [--until WHEN] [--format lp|csv] [--measurement NAME]
  edge-agent export-labels --config FILE --out DIR [--since ISO|7d] [--base CWRU-DIR]
  edge-agent demo [--seconds N]
  edge-agent help

Exit codes: 0 ok, 64 usage, 70 internal error, 78 invalid configuration.`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  run: async (args) => {
    const { values } = parseArgs({
      args,
      options: {
        config: { type: "string", short: "c" },
        human: { type: "boolean" },
        "log-level": { type: "string" },
      },
    });
    if (!values.config) return usage("run needs --config FILE");
    const { runCommand } = await import("./run.js");
    return runCommand({
      configFile: values.config,
      human: values.human ?? false,
      level: values["log-level"],
    });
  },
  validate: async (args) => {
    const { values } = parseArgs({ args, options: { config: { type: "string", short: "c" } } });
    if (!values.config) return usage("validate needs --config FILE");
    const { validateCommand } = await import("./validate.js");
    return validateCommand(values.config, (l) => process.stdout.write(`${l}\n`));
  },
  simulate: async (args) =>
    args.includes("--serial")
      ? (await import("./simulate-serial.js")).simulateSerialCommand(args)
      : (await import("./simulate.js")).simulateCommand(args),
  demo: async (args) => (await import("./demo.js")).demoCommand(args),
  replay: async (args) => (await import("./replay.js")).replayCommand(args),
  eval: async (args) => (await import("./eval.js")).evalCommand(args),
  export: async (args) => (await import("./export.js")).exportCommand(args),
  "export-labels": async (args) => (await import("./export-labels.js")).exportLabelsCommand(args),
  help: async () => {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  },
};

function usage(msg: string): number {
  process.stderr.write(`${msg}\n\n${USAGE}\n`);
  return EX_USAGE;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const cmd = commands[name ?? "help"];
  if (cmd === undefined) return usage(`unknown command "${name}"`);
  try {
    return await cmd(rest);
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION")
      return usage((err as Error).message);
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (code !== 0 || process.argv[2] === "run" || process.argv[2] === "demo") {
      // Open handles (sockets closing) must not keep a stopped agent alive.
      setTimeout(() => process.exit(code), 200).unref();
    }
  },
  (err: unknown) => {
    process.stderr.write(`edge-agent: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(70);
  },
);
