import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { exportCommand, parseWhen } from "../../../src/cli/export.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { createLogger } from "../../../src/ops/logger.js";
import { createSinks, statePath } from "../../../src/sinks/create-sinks.js";
import { InfluxSink } from "../../../src/sinks/influx-sink.js";
import { LocalStore } from "../../../src/sinks/local-store.js";
import { TelemetryLines } from "../../../src/sinks/telemetry-lines.js";
import type { PointContext } from "../../../src/sinks/telemetry-sink.js";
import type { Advice, Prediction } from "../../../src/types.js";
import { STEP_PROFILE, writeStepModel } from "../../helpers/step-model.js";
import { tempDir } from "../../helpers/temp-dir.js";

const silent = createLogger({ level: "silent" });
const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function fleet(extra = ""): { dir: ReturnType<typeof tempDir>; file: string } {
  const dir = tempDir({ "profiles/step.yaml": STEP_PROFILE });
  dirs.push(dir);
  writeStepModel(dir.path("models"));
  const file = dir.path("fleet.yaml");
  writeFileSync(
    file,
    `agent: { id: t }
mqtt: { url: "mqtt://127.0.0.1:1" }
profilesDir: profiles
modelsDir: models
sites: [{ id: s1, assets: [{ id: a1, profile: step }] }]
${extra}`,
  );
  return { dir, file };
}

const ctx: PointContext = {
  asset: { site: "s1", asset: "a1", key: "s1/a1" },
  profile: "step",
  model: "step",
  modelVersion: "1.0.0",
};
const T0 = Date.UTC(2026, 10, 28, 6, 0, 0);
const prediction = (i: number): Prediction => ({
  model: "step",
  modelVersion: "1.0.0",
  tsMs: T0 + i * 1000,
  classIndex: i % 2,
  className: i % 2 === 0 ? "normal" : "fault",
  confidence: 0.75,
  probabilities: new Float32Array([0.25, 0.75]),
  value: Number.NaN,
});
const advice: Advice = {
  site: "s1",
  asset: "a1",
  model: "step",
  modelVersion: "1.0.0",
  fault: "fault",
  severity: "alarm",
  confidence: 0.75,
  action: 'Stop, "now", please',
  windowTsMs: T0 + 3000,
  changedAtMs: T0 + 3010,
  episodeId: "ep-1",
  previousFault: "normal",
  previousSeverity: "ok",
  transition: "raise",
  value: Number.NaN,
};

async function fill(store: LocalStore, n = 5): Promise<void> {
  await store.start();
  for (let i = 0; i < n; i++) {
    store.features(ctx, T0 + i * 1000, ["mean", "rms, x"], new Float32Array([i * 0.1, 1]));
    store.prediction(ctx, prediction(i));
  }
  store.advice(ctx, advice);
  await store.stop(1000);
}

async function runExport(args: string[]): Promise<{ code: number; text: string }> {
  let text = "";
  const code = await exportCommand(
    args,
    async (t) => {
      text += t;
    },
    T0 + 3_600_000,
  );
  return { code, text };
}

describe("the sinks of a fleet", () => {
  it.each([
    ["no influx: section", ["store"], ""],
    ["an influx: section", ["influx"], "influx: { url: http://127.0.0.1:1, bucket: b }"],
    [
      "influx and store.enabled",
      ["influx", "store"],
      "influx: { url: http://127.0.0.1:1, bucket: b }\nstore: { enabled: true }",
    ],
    ["store.enabled: false", [], "store: { enabled: false }"],
  ])("with %s are %j", (_n, names, extra) => {
    const { file } = fleet(extra);
    expect(createSinks(loadConfig(file), silent).map((s) => s.name)).toEqual(names);
  });

  it("keep the spool under $STATE_DIRECTORY when systemd sets it, else beside the fleet file", () => {
    const { file, dir } = fleet();
    const config = loadConfig(file);
    expect(statePath(config, "./state/spool.db", {})).toBe(dir.path("state/spool.db"));
    expect(statePath(config, "./state/spool.db", { STATE_DIRECTORY: "/var/lib/edge-agent" })).toBe(
      "/var/lib/edge-agent/state/spool.db",
    );
  });

  it("stop start-up with EA_SECRET_MISSING when the InfluxDB token is not there", () => {
    const { file } = fleet("influx: { url: http://127.0.0.1:1, bucket: b, token: { env: INFLUX_TOKEN } }");
    expect(() => createSinks(loadConfig(file), silent, { env: {} })).toThrow(
      expect.objectContaining({ code: "EA_SECRET_MISSING" }),
    );
    expect(createSinks(loadConfig(file), silent, { env: { INFLUX_TOKEN: "t" } })[0]).toBeInstanceOf(
      InfluxSink,
    );
  });
});

describe("the local history store and export", () => {
  it("exports what it kept as the same line protocol InfluxDB would have got", async () => {
    const { file } = fleet();
    const [store] = createSinks(loadConfig(file), silent) as [LocalStore];
    await fill(store);
    const { code, text } = await runExport(["--config", file, "--since", "2026-11-28T00:00:00Z"]);
    expect(code).toBe(0);
    const lines = new TelemetryLines();
    const expected = [
      ...Array.from({ length: 5 }, (_, i) =>
        lines.features(ctx, T0 + i * 1000, ["mean", "rms, x"], new Float32Array([i * 0.1, 1])),
      ),
      ...Array.from({ length: 5 }, (_, i) => lines.prediction(ctx, prediction(i))),
      lines.advice(ctx, advice),
    ];
    expect(text.trimEnd().split("\n")).toEqual(expected);
  });

  it("exports one measurement as CSV, only the asked time range, quoting what needs it", async () => {
    const { file } = fleet();
    await fill(createSinks(loadConfig(file), silent)[0] as LocalStore);
    const f = await runExport([
      "--config",
      file,
      "--since",
      "2026-11-28T06:00:01Z",
      "--until",
      "2026-11-28T06:00:03Z",
      "--format",
      "csv",
      "--measurement",
      "features",
    ]);
    expect(f.text).toBe(
      'time,ts_ms,site,asset,profile,model,model_version,mean,"rms, x"\n' +
        `2026-11-28T06:00:01.000Z,${T0 + 1000},s1,a1,step,step,1.0.0,0.1,1\n` +
        `2026-11-28T06:00:02.000Z,${T0 + 2000},s1,a1,step,step,1.0.0,0.2,1\n`,
    );
    const a = await runExport([
      "--config",
      file,
      "--since",
      "1h",
      "--format",
      "csv",
      "--measurement",
      "advice",
    ]);
    expect(a.text.split("\n")[1]).toBe(
      `2026-11-28T06:00:03.000Z,${T0 + 3000},s1,a1,step,step,1.0.0,fault,alarm,0.75,raise,ep-1,"Stop, ""now"", please",normal,ok,2026-11-28T06:00:03.010Z,`,
    );
  });

  it("deletes rows older than the retention and the oldest rows beyond maxRows, but keeps recent advice", async () => {
    const { file, dir } = fleet("store: { retentionDays: 1, maxRows: 3 }");
    const config = loadConfig(file);
    await fill(
      new LocalStore({
        config: config.fleet.store!,
        path: dir.path("state/history.db"),
        log: silent,
        now: () => T0,
      }),
    );
    // maxRows: only the 3 newest feature (and prediction) rows stay; advice is not bounded by rows
    const later = new LocalStore({
      config: config.fleet.store!,
      path: dir.path("state/history.db"),
      log: silent,
      now: () => T0 + 4000,
    });
    await later.start();
    await later.stop(100);
    const kept = await runExport([
      "--config",
      file,
      "--since",
      "2026-11-27T00:00:00Z",
      "--measurement",
      "features,advice",
    ]);
    expect(
      kept.text
        .trimEnd()
        .split("\n")
        .map((l) => l.slice(l.lastIndexOf(" ") + 1)),
    ).toEqual([T0 + 2000, T0 + 3000, T0 + 4000, T0 + 3000].map(String));
    // two days later everything is older than the one-day retention
    const gone = new LocalStore({
      config: config.fleet.store!,
      path: dir.path("state/history.db"),
      log: silent,
      now: () => T0 + 2 * 86_400_000,
    });
    await gone.start();
    await gone.stop(100);
    expect((await runExport(["--config", file, "--since", "2026-11-27T00:00:00Z"])).text).toBe("");
  });

  it.each([
    [["--since", "24h"], 64, "needs --config"],
    [["--config", "FLEET"], 64, "needs --since"],
    [["--config", "FLEET", "--since", "yesterday"], 64, "neither an ISO time"],
    [["--config", "FLEET", "--since", "1h", "--format", "csv"], 64, "one --measurement"],
    [["--config", "FLEET", "--since", "1h", "--measurement", "temps"], 64, 'unknown measurement "temps"'],
    [["--config", "FLEET", "--since", "1h"], 66, "EA_EXPORT_NO_STORE"],
  ])("export %j exits %d saying %s", async (args, code, message) => {
    const { file } = fleet();
    let err = "";
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => {
      err += s;
      return true;
    }) as typeof process.stderr.write;
    try {
      expect((await runExport(args.map((a) => (a === "FLEET" ? file : a)))).code).toBe(code);
    } finally {
      process.stderr.write = write;
    }
    expect(err).toContain(message);
  });

  it.each([
    ["24h", 86_400_000],
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["2w", 14 * 86_400_000],
  ])("--since %s means that long before now", (text, ms) => {
    expect(parseWhen(text, 1_000_000_000_000)).toBe(1_000_000_000_000 - ms);
  });
});
