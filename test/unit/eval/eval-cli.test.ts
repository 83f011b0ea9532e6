import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { evalCommand, parseRange } from "../../../src/cli/eval.js";
import { EX_DATAERR, EX_OK, EX_USAGE } from "../../../src/cli/exit-codes.js";

const CWRU = join(process.cwd(), "..", "shared", "datasets", "cwru-12k-de");
const FOLD = join("models", "bearing-vibration", "folds", "train-0.021");

/** Runs `edge-agent eval` in-process, collecting what it writes. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err += String(s);
    return true;
  });
  const code = await evalCommand(args);
  vi.restoreAllMocks();
  return { code, out, err };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("edge-agent eval's options", () => {
  it.each([
    ["signals/normal.f32:0-21344", ["signals/normal.f32", [0, 21344]]],
    ["C:/data/a:b.f32:10-20", ["C:/data/a:b.f32", [10, 20]]],
    ["signals/normal.f32:20-10", null],
    ["signals/normal.f32:5-5", null],
    ["signals/normal.f32", null],
    ["signals/normal.f32:a-b", null],
  ])("reads --range %s", (text, expected) => {
    expect(parseRange(text)).toEqual(expected);
  });

  it("refuses a malformed --range with a usage error naming it", async () => {
    const r = await run(["--model", FOLD, "--data", CWRU, "--range", "normal.f32:9-3"]);
    expect(r.code).toBe(EX_USAGE);
    expect(r.err).toMatch(/^--range normal\.f32:9-3: expected FILE:FROM-TO/);
  });

  it("reports a model without a recorded test set once, with its code, as bad data", async () => {
    const r = await run(["--model", join("models", "machine-failure"), "--data", CWRU, "--test-set"]);
    expect(r.code).toBe(EX_DATAERR);
    expect(r.err).toMatch(/^EA_EVAL_MISMATCH: model models\/machine-failure records no test set/);
    expect(r.err.match(/EA_EVAL_MISMATCH/g)).toHaveLength(1);
  });

  it.skipIf(!existsSync(join(CWRU, "manifest.json")))(
    "prints with --json --test-set exactly the figures a fold model's manifest records",
    async () => {
      const r = await run(["--model", FOLD, "--data", CWRU, "--test-set", "--json"]);
      expect(r.code).toBe(EX_OK);
      const manifest = JSON.parse(await readFile(join(FOLD, "manifest.json"), "utf8"));
      expect(JSON.parse(r.out)).toEqual(manifest.metrics.figures);
    },
  );
});
