import { Writable } from "node:stream";
import pino, { type Logger, type LevelWithSilent } from "pino";
import { formatLogLine } from "./human-log.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  readonly level: LevelWithSilent;
  /** Human-readable lines (the demo, a terminal) instead of JSON lines (journald). */
  readonly human?: boolean;
  /** Where lines go; default stdout. */
  readonly destination?: NodeJS.WritableStream;
}

/** The one root logger: JSON lines to stdout for journald, or readable lines for people. */
export function createLogger(opts: LoggerOptions): Logger {
  const dest = opts.destination ?? process.stdout;
  if (!opts.human) {
    return pino(
      { level: opts.level, base: undefined },
      opts.destination ? (dest as pino.DestinationStream) : pino.destination({ fd: 1, sync: false }),
    );
  }
  const human = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line !== "") dest.write(`${formatLogLine(line)}\n`);
      }
      cb();
    },
  });
  return pino({ level: opts.level, base: undefined }, human);
}
