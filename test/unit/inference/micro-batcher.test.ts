import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InferenceSession } from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoadedModel, loadModel, releaseModel } from "../../../src/inference/load-model.js";
import {
  type BatchResult,
  MicroBatcher,
  type MicroBatcherOptions,
} from "../../../src/inference/micro-batcher.js";
import {
  type FixtureModels,
  forward,
  makeFixtureModels,
  mulberry32,
} from "../../fixtures/models/make-fixtures.js";

let root: string;
let fx: FixtureModels;
let model: LoadedModel;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ea-batcher-"));
  fx = await makeFixtureModels(root);
  model = await loadModel(fx.classifier);
});

afterAll(async () => {
  await releaseModel(model);
  await rm(root, { recursive: true, force: true });
});

/** Collects what a batcher reports, per tag. */
function recorder<T>() {
  const results: { tag: T; outputs: Float32Array }[] = [];
  const batchSizes: number[] = [];
  const shed: T[] = [];
  const errors: { err: Error; tags: T[] }[] = [];
  return {
    results,
    batchSizes,
    shed,
    errors,
    onBatch: (tags: readonly T[], r: BatchResult) => {
      batchSizes.push(r.rows);
      tags.forEach((tag, i) => {
        results.push({ tag, outputs: r.outputs.slice(i * r.outputWidth, (i + 1) * r.outputWidth) });
      });
    },
    onShed: (tag: T) => shed.push(tag),
    onError: (err: Error, tags: readonly T[]) => errors.push({ err, tags: [...tags] }),
  };
}

function batcher<T>(m: LoadedModel, opts: Partial<MicroBatcherOptions>, rec: ReturnType<typeof recorder<T>>) {
  const o = { maxBatch: 64, maxWaitMs: 0, maxQueue: 4096, ...opts };
  return new MicroBatcher<T>(m, o, rec.onBatch, rec.onShed, rec.onError);
}

/** A session whose runs finish when the test says so; it echoes each row's first feature. */
function gatedModel() {
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  let running = 0;
  let maxRunning = 0;
  const session = {
    run(feeds: Record<string, { data: Float32Array; dims: readonly number[] }>) {
      const x = feeds.features!;
      const rows = x.dims[0]!;
      const out = new Float32Array(rows * 4);
      for (let r = 0; r < rows; r++) out[r * 4] = x.data[r * 16]!;
      running++;
      maxRunning = Math.max(maxRunning, running);
      return new Promise((resolve, reject) => {
        pending.push({
          resolve: () => {
            running--;
            resolve({ probabilities: { data: out, dims: [rows, 4] } });
          },
          reject: (e) => {
            running--;
            reject(e);
          },
        });
      });
    },
  } as unknown as InferenceSession;
  return { model: { ...model, session } as LoadedModel, pending, maxRunning: () => maxRunning };
}

const rowOf = (v: number) => new Float32Array(16).fill(v);
const turn = () => new Promise<void>((r) => setImmediate(r));

describe("MicroBatcher", () => {
  it("gives every enqueued row exactly one result, in order, with its tag and the model's output", async () => {
    const rec = recorder<number>();
    const b = batcher(model, {}, rec);
    b.start();
    const rand = mulberry32(5);
    const x = Float32Array.from({ length: 1000 * 16 }, () => 4 * rand() - 2);
    for (let burst = 0; burst < 50; burst++) {
      for (let i = 0; i < 20; i++)
        b.enqueue(x.subarray((burst * 20 + i) * 16, (burst * 20 + i + 1) * 16), burst * 20 + i);
      await turn();
    }
    await b.stop(5000);
    expect(rec.results.map((r) => r.tag)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const want = forward(fx.classifierWeights, x, 1000);
    let maxErr = 0;
    for (const { tag, outputs } of rec.results) {
      for (let k = 0; k < 4; k++) maxErr = Math.max(maxErr, Math.abs(outputs[k]! - want[tag * 4 + k]!));
    }
    expect(maxErr).toBeLessThanOrEqual(1e-5);
    expect(b.stats).toMatchObject({ rows: 1000, shed: 0, errors: 0, batches: rec.batchSizes.length });
  });

  it("never runs more than maxBatch rows at once, nor more than one run at a time", async () => {
    let running = 0;
    let maxRunning = 0;
    const real = model.session;
    const session = {
      run: async (...args: Parameters<InferenceSession["run"]>) => {
        maxRunning = Math.max(maxRunning, ++running);
        try {
          return await real.run(...args);
        } finally {
          running--;
        }
      },
    } as unknown as InferenceSession;
    const rec = recorder<number>();
    const b = batcher({ ...model, session }, { maxBatch: 16 }, rec);
    b.start();
    for (let i = 0; i < 500; i++) {
      b.enqueue(rowOf(i), i);
      if (i % 37 === 0) await turn();
    }
    await b.stop(5000);
    expect(rec.results).toHaveLength(500);
    expect(Math.max(...rec.batchSizes)).toBe(16);
    expect(b.stats.maxBatchSeen).toBe(16);
    expect(maxRunning).toBe(1);
  });

  it("joins rows that arrive while a run is in flight into the next batch", async () => {
    const g = gatedModel();
    const rec = recorder<number>();
    const b = batcher(g.model, { maxBatch: 8 }, rec);
    b.start();
    b.enqueue(rowOf(0), 0);
    await turn();
    expect(b.inFlight).toBe(true);
    for (let i = 1; i <= 10; i++) b.enqueue(rowOf(i), i);
    expect(b.queued).toBe(10);
    g.pending.shift()!.resolve();
    await turn();
    expect(rec.batchSizes).toEqual([1]);
    expect(g.pending).toHaveLength(1); // the next batch started as soon as the run finished
    g.pending.shift()!.resolve();
    await turn();
    g.pending.shift()!.resolve();
    await turn();
    expect(rec.batchSizes).toEqual([1, 8, 2]);
    expect(rec.results.map((r) => r.outputs[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(g.maxRunning()).toBe(1);
    await b.stop(100);
  });

  it("sheds the oldest queued rows beyond maxQueue, counts them, and reports every row once", async () => {
    const g = gatedModel();
    const rec = recorder<number>();
    const b = batcher(g.model, { maxBatch: 8, maxQueue: 4 }, rec);
    b.start();
    b.enqueue(rowOf(0), 0);
    await turn(); // row 0 is in flight
    for (let i = 1; i <= 10; i++) b.enqueue(rowOf(i), i);
    expect(rec.shed).toEqual([1, 2, 3, 4, 5, 6]);
    expect(b.stats.shed).toBe(6);
    expect(b.queued).toBe(4);
    g.pending.shift()!.resolve();
    await turn();
    g.pending.shift()!.resolve();
    await b.stop(100);
    expect(rec.results.map((r) => r.tag)).toEqual([0, 7, 8, 9, 10]);
    expect(rec.results.map((r) => r.outputs[0])).toEqual([0, 7, 8, 9, 10]);
  });

  it("waits up to maxWaitMs for more rows when the batch is small", async () => {
    const rec = recorder<number>();
    const b = batcher(model, { maxWaitMs: 200 }, rec);
    b.start();
    for (let i = 0; i < 3; i++) b.enqueue(rowOf(i), i);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 3; i < 6; i++) b.enqueue(rowOf(i), i);
    await b.stop(5000);
    expect(rec.batchSizes).toEqual([6]);
  });

  it("without maxWaitMs, rows of separate turns go into separate batches", async () => {
    const rec = recorder<number>();
    const b = batcher(model, { maxWaitMs: 0 }, rec);
    b.start();
    for (let i = 0; i < 3; i++) b.enqueue(rowOf(i), i);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 3; i < 6; i++) b.enqueue(rowOf(i), i);
    await b.stop(5000);
    expect(rec.batchSizes).toEqual([3, 3]);
  });

  it("does not wait for maxWaitMs once maxBatch rows are queued", async () => {
    const rec = recorder<number>();
    const b = batcher(model, { maxBatch: 4, maxWaitMs: 20_000 }, rec);
    b.start();
    b.enqueue(rowOf(0), 0);
    b.enqueue(rowOf(1), 1);
    await turn();
    await turn();
    b.enqueue(rowOf(2), 2);
    b.enqueue(rowOf(3), 3);
    const t0 = performance.now();
    while (rec.results.length < 4 && performance.now() - t0 < 2000) await turn();
    expect(rec.batchSizes).toEqual([4]);
    await b.stop(100);
  });

  it("runs rows enqueued before start once started, and drains the queue on stop", async () => {
    const rec = recorder<number>();
    const b = batcher(model, { maxBatch: 16 }, rec);
    for (let i = 0; i < 100; i++) b.enqueue(rowOf(i), i);
    await turn();
    expect(rec.results).toHaveLength(0);
    b.start();
    await b.stop(5000);
    expect(rec.results).toHaveLength(100);
    expect(b.queued).toBe(0);
    expect(b.inFlight).toBe(false);
    b.enqueue(rowOf(0), 100);
    expect(rec.shed).toEqual([100]);
  });

  it("when stop times out, sheds the rows in flight and queued, and drops the late result", async () => {
    const g = gatedModel();
    const rec = recorder<number>();
    const b = batcher(g.model, { maxBatch: 2 }, rec);
    b.start();
    for (let i = 0; i < 5; i++) b.enqueue(rowOf(i), i);
    await turn();
    const t0 = performance.now();
    await b.stop(30);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(rec.shed).toEqual([0, 1, 2, 3, 4]);
    g.pending.shift()!.resolve();
    await turn();
    expect(rec.results).toHaveLength(0);
    expect(b.stats.shed).toBe(5);
  });

  it("reports a failed run's rows through onError and goes on with the next batch", async () => {
    const g = gatedModel();
    const rec = recorder<number>();
    const b = batcher(g.model, { maxBatch: 2 }, rec);
    b.start();
    for (let i = 0; i < 3; i++) b.enqueue(rowOf(i), i);
    await turn();
    g.pending.shift()!.reject(new Error("kernel failed"));
    await turn();
    g.pending.shift()!.resolve();
    await b.stop(100);
    expect(rec.errors.map((e) => [e.err.message, e.tags])).toEqual([["kernel failed", [0, 1]]]);
    expect(rec.results.map((r) => r.tag)).toEqual([2]);
    expect(b.stats).toMatchObject({ errors: 1, batches: 1, rows: 1 });
  });

  it("reports an onBatch that throws through onError and keeps running", async () => {
    const errors: string[] = [];
    let calls = 0;
    const b = new MicroBatcher<number>(
      model,
      { maxBatch: 1, maxWaitMs: 0, maxQueue: 8 },
      () => {
        if (++calls === 1) throw new Error("consumer bug");
      },
      () => undefined,
      (err) => errors.push(err.message),
    );
    b.start();
    b.enqueue(rowOf(0), 0);
    b.enqueue(rowOf(1), 1);
    await b.stop(5000);
    expect(calls).toBe(2);
    expect(errors).toEqual(["consumer bug"]);
  });

  it("refuses a row whose length is not the model's feature count", () => {
    const b = batcher(model, {}, recorder<number>());
    expect(() => b.enqueue(new Float32Array(15), 0)).toThrow(/takes 16 features per row, got 15/);
  });
});
