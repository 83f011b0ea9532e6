#!/usr/bin/env node
// `npm run bench`: the reference workload (../shared/bench/WORKLOAD.md) against the agent, with
// the shared harness: a private Mosquitto and the load generator on core 0, the agent on core 1
// (taskset), 50 assets under `factory/s1`, the rates of the workload, 10 s each. With --peers the
// one-file script and the Node-RED flow run in the same run and the ratios are printed.
//
//   npm run bench [-- --peers] [--json FILE] [--rates 500,1000] [--duration 10] [--bench DIR]
//
// Also measures start-up (process start → "agent started": models loaded, warmed up, broker
// connected) and idle RSS, over 5 starts.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    peers: { type: "boolean", default: false },
    json: { type: "string" },
    rates: { type: "string", default: "500,1000,2000,4000,6000,8000,12000,16000" },
    duration: { type: "string", default: "10" },
    bench: { type: "string", default: join(ROOT, "../shared/bench") },
    "wait-quiet": { type: "string", default: "120" },
    "skip-startup": { type: "boolean", default: false },
  },
});
const BENCH = resolve(values.bench);
if (!existsSync(join(BENCH, "run-peers.sh"))) {
  console.error(`no harness at ${BENCH} (give --bench DIR: the shared bench folder with run-peers.sh)`);
  process.exit(2);
}
// The installed entry point itself (bin/edge-agent.js, with its V8 flags), as systemd runs it.
// A fresh state folder per run (the local history store, feedback store): a store left full by
// an earlier run would measure its retention, not the pipeline.
const STATE_DIRECTORY = mkdtempSync(join(tmpdir(), "edge-agent-bench-state-"));
process.on("exit", () => rmSync(STATE_DIRECTORY, { recursive: true, force: true }));
const AGENT_CMD = process.env.AGENT_CMD ?? "bin/edge-agent.js run --config scripts/bench/fleet.yaml";

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status})`);
}

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Start-up time and idle RSS: the agent started 5 times against a private broker. */
async function measureStartup() {
  const port = await freePort();
  const conf = join(ROOT, "results", `mosquitto-${port}.conf`);
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const broker = spawn("taskset", ["-c", "0", "mosquitto", "-c", conf], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 300));
  const startMs = [];
  const idleRss = [];
  try {
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const p = spawn("taskset", ["-c", "1", ...AGENT_CMD.split(" "), "--log-level", "info"], {
        cwd: ROOT,
        env: { ...process.env, STATE_DIRECTORY, MQTT_URL: `mqtt://127.0.0.1:${port}` },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let buf = "";
      await new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error("agent did not start within 20 s")), 20_000);
        const onData = (d) => {
          buf += d.toString();
          if (buf.includes('"msg":"agent started"')) {
            clearTimeout(timer);
            startMs.push(performance.now() - t0);
            p.stdout.off("data", onData);
            p.stdout.resume();
            res();
          }
        };
        p.stdout.on("data", onData);
      });
      await new Promise((r) => setTimeout(r, 3000));
      const status = readFileSync(`/proc/${p.pid}/status`, "utf8");
      idleRss.push(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      p.kill("SIGTERM");
      await new Promise((r) => p.once("exit", r));
    }
  } finally {
    broker.kill("SIGTERM");
  }
  return {
    start_to_ready_ms: Math.round(median(startMs)),
    start_to_ready_all_ms: startMs.map(Math.round),
    idle_rss_mb: Math.round(median(idleRss) * 10) / 10,
  };
}

function readPeer(dir, peer) {
  const f = join(dir, `${peer}.jsonl`);
  if (!existsSync(f)) return null;
  const rows = readFileSync(f, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const ok = (r) => r.lost === 0 && r.p99_ms !== null && r.p99_ms < 250;
  return {
    peer,
    sustained_rate: rows.filter(ok).reduce((m, r) => Math.max(m, r.rate), 0),
    peak_rss_mb: rows.reduce((m, r) => Math.max(m, r.peer_rss_peak_mb ?? 0), 0),
    rates: rows.map((r) => ({
      rate: r.rate,
      sent: r.sent,
      received: r.received,
      lost: r.lost,
      p50_ms: r.p50_ms,
      p99_ms: r.p99_ms,
      peak_rss_mb: r.peer_rss_peak_mb,
      peer_cpu: r.peer_cpu,
      ok: ok(r),
      disturbed: Boolean(r.disturbed),
    })),
  };
}

function table(p) {
  const pad = (v, n) => String(v ?? "-").padStart(n);
  const out = [
    `${p.peer}: sustained ${p.sustained_rate || "none"} msg/s, peak RSS ${p.peak_rss_mb.toFixed(1)} MB`,
  ];
  out.push(
    `${pad("rate", 7)}${pad("sent", 8)}${pad("recv", 8)}${pad("lost", 7)}${pad("p50 ms", 9)}${pad("p99 ms", 9)}${pad("RSS MB", 8)}${pad("CPU", 6)}  ok`,
  );
  for (const r of p.rates) {
    out.push(
      `${pad(r.rate, 7)}${pad(r.sent, 8)}${pad(r.received, 8)}${pad(r.lost, 7)}${pad(r.p50_ms?.toFixed(2), 9)}` +
        `${pad(r.p99_ms?.toFixed(1), 9)}${pad(r.peak_rss_mb?.toFixed(1), 8)}${pad(r.peer_cpu?.toFixed(2), 6)}  ${r.ok ? "yes" : "no"}${r.disturbed ? " DISTURBED" : ""}`,
    );
  }
  return out.join("\n");
}

sh("npm", ["run", "build", "--silent"]);
mkdirSync(join(ROOT, "results"), { recursive: true });
const startup = values["skip-startup"] ? null : await measureStartup();
if (startup)
  console.log(
    `start to READY: ${startup.start_to_ready_ms} ms (median of 5: ${startup.start_to_ready_all_ms.join(", ")}); idle RSS ${startup.idle_rss_mb} MB`,
  );

const results = join(ROOT, "results", new Date().toISOString().replace(/[:.]/g, "").slice(0, 15));
const peers = values.peers ? "agent naive-script node-red" : "agent";
sh("bash", [join(BENCH, "run-peers.sh")], {
  env: {
    ...process.env,
    PEERS: peers,
    RATES: values.rates,
    DURATION: values.duration,
    WAIT_QUIET: values["wait-quiet"],
    AGENT_DIR: ROOT,
    AGENT_CMD,
    STATE_DIRECTORY,
    RESULTS: results,
  },
});

const all = peers
  .split(" ")
  .map((p) => readPeer(results, p))
  .filter(Boolean);
console.log("\n== edge-agent bench (WORKLOAD.md), results in", results);
for (const p of all) console.log(`\n${table(p)}`);
const agent = all.find((p) => p.peer === "agent");
const ratios = {};
for (const p of all) {
  if (p.peer === "agent" || !agent) continue;
  ratios[p.peer] = {
    sustained: p.sustained_rate ? agent.sustained_rate / p.sustained_rate : null,
    peak_rss: agent.peak_rss_mb / p.peak_rss_mb,
  };
  console.log(
    `agent / ${p.peer}: sustained ${agent.sustained_rate} / ${p.sustained_rate} = ${ratios[p.peer].sustained?.toFixed(2) ?? "-"}x; ` +
      `peak RSS ${agent.peak_rss_mb.toFixed(1)} / ${p.peak_rss_mb.toFixed(1)} MB`,
  );
}
if (startup)
  console.log(`start to READY ${startup.start_to_ready_ms} ms; idle RSS ${startup.idle_rss_mb} MB`);
if (values.json) {
  writeFileSync(
    values.json,
    `${JSON.stringify({ date: new Date().toISOString(), results, startup, peers: all, ratios }, null, 2)}\n`,
  );
  console.log(`JSON written to ${values.json}`);
}
