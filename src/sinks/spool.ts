import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { deflateRaw, deflateRawSync, inflateRaw } from "node:zlib";
import Database from "better-sqlite3";
import { SinkError } from "./sink-error.js";

const deflateAsync = promisify(deflateRaw);
const inflateAsync = promisify(inflateRaw);

/** Advice is never dropped to make room; telemetry (features, predictions, metrics) is, oldest first. */
export type BatchKind = "telemetry" | "advice";

export interface SpoolOptions {
  readonly path: string;
  /** Bound on the stored (compressed) batches plus a fixed overhead per batch. */
  readonly maxBytes: number;
  /** zlib level 1 (fast) … 9 (small); see the README's spool figures. */
  readonly level?: number;
  readonly now?: () => number;
}

export interface SpooledBatch {
  readonly id: number;
  readonly kind: BatchKind;
  readonly points: number;
  readonly spooledAtMs: number;
  /** Line protocol, one point per line, in the order they were spooled. */
  readonly body: string;
}

export interface SpoolStats {
  readonly batches: number;
  readonly points: number;
  /** Compressed bytes held (what the bound counts, without the per-batch overhead). */
  readonly bytes: number;
  /** What the bound counts: bytes plus the per-batch overhead. */
  readonly usedBytes: number;
  readonly maxBytes: number;
  readonly oldestSpooledAtMs: number | null;
  /** Points dropped to keep the bound since the spool file was created. */
  readonly droppedPoints: number;
}

export interface AppendResult {
  /** Older telemetry points dropped to make room. */
  readonly droppedPoints: number;
  /** The batch itself did not fit (telemetry larger than the whole bound): not stored. */
  readonly refused: boolean;
}

/** Bytes counted per batch besides its body: row, index and page slack. */
export const BATCH_OVERHEAD_BYTES = 64;

/**
 * A durable FIFO of line-protocol batches in SQLite (WAL, synchronous=FULL: a batch that was
 * appended survives a killed process and a power cut). Bodies are deflated. The bound is on
 * stored bytes: when an append would pass it, the oldest telemetry batches are deleted (and
 * counted); advice batches are kept whatever the bound says.
 */
export class Spool {
  private readonly opts: SpoolOptions;
  private db: Database.Database | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private batches = 0;
  private nextOrd = 0;
  private adviceBatches = 0;
  private points = 0;
  private bytes = 0;
  private dropped = 0;
  private stmts!: ReturnType<Spool["prepare"]>;
  /** The batch being sent is not dropped under the sender's feet. */
  protectedId = -1;

  constructor(opts: SpoolOptions) {
    this.opts = opts;
  }

  get path(): string {
    return this.opts.path;
  }

  get isOpen(): boolean {
    return this.db !== null;
  }

  /** Opens (or creates) the file and reads its totals. Throws SinkError EA_SPOOL_IO. */
  open(): void {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(this.opts.path), { recursive: true });
      db = new Database(this.opts.path);
      db.pragma("auto_vacuum = INCREMENTAL"); // before the first table: lets a drained spool shrink
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("journal_size_limit = 8388608");
      db.exec(`CREATE TABLE IF NOT EXISTS batches (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind INTEGER NOT NULL,
        points INTEGER NOT NULL,
        spooled_at INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        ord INTEGER NOT NULL,
        body BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS batches_order ON batches (kind, ord);
        CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);`);
      this.db = db;
      this.stmts = this.prepare(db);
      const t = db
        .prepare(
          "SELECT count(*) AS n, sum(points) AS p, sum(bytes) AS b, sum(kind) AS a, max(ord) AS o FROM batches",
        )
        .get() as {
        n: number;
        p: number | null;
        b: number | null;
        a: number | null;
        o: number | null;
      };
      this.batches = t.n;
      this.nextOrd = (t.o ?? -1) + 1;
      this.adviceBatches = t.a ?? 0;
      this.points = t.p ?? 0;
      this.bytes = t.b ?? 0;
      const d = db.prepare("SELECT value FROM meta WHERE name = 'dropped_points'").get() as
        | { value: number }
        | undefined;
      this.dropped = d?.value ?? 0;
    } catch (err) {
      db?.close();
      this.db = null;
      throw new SinkError(
        "EA_SPOOL_IO",
        `cannot open the spool ${this.opts.path}: ${(err as Error).message}`,
      );
    }
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  /** Appends at once (small batches: advice). Durable when it returns. */
  /**
   * A place in the replay order, taken when a batch is made: a batch spooled later (after a
   * failed write) still goes back in the order the batches were made.
   */
  reserve(): number {
    return this.nextOrd++;
  }

  appendSync(lines: readonly string[], kind: BatchKind, ord = this.reserve()): AppendResult {
    const body = deflateRawSync(lines.join("\n"), { level: this.opts.level ?? 6 });
    return this.insert(kind, lines.length, body, ord);
  }

  /** Compresses off the event loop, then appends; appends keep their order. Durable when it resolves. */
  append(lines: readonly string[], kind: BatchKind, ord = this.reserve()): Promise<AppendResult> {
    const text = lines.join("\n");
    const n = lines.length;
    const run = async (): Promise<AppendResult> => {
      const body = await deflateAsync(text, { level: this.opts.level ?? 6 });
      return this.insert(kind, n, body, ord);
    };
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Batches waiting (cheap: kept in memory). */
  get batchCount(): number {
    return this.batches;
  }

  /** Advice batches waiting (they are replayed first and not paced). */
  get adviceWaiting(): number {
    return this.adviceBatches;
  }

  /** The oldest advice batch, else the oldest batch; null when the spool is empty. */
  async head(): Promise<SpooledBatch | null> {
    const row = this.open_().stmts.head.get() as
      | { id: number; kind: number; points: number; spooled_at: number; body: Buffer }
      | undefined;
    if (row === undefined) {
      // The totals said there was more: they were wrong (the file changed under us). Trust the file.
      this.batches = this.adviceBatches = this.points = this.bytes = 0;
      return null;
    }
    const body = (await inflateAsync(row.body)).toString("utf8");
    return {
      id: row.id,
      kind: row.kind === 1 ? "advice" : "telemetry",
      points: row.points,
      spooledAtMs: row.spooled_at,
      body,
    };
  }

  /** Deletes a batch once the server has it (or has refused it for good). */
  remove(id: number): void {
    const gone = this.open_().stmts.remove.get(id) as
      | { points: number; bytes: number; kind: number }
      | undefined;
    if (gone === undefined) return;
    this.batches--;
    this.adviceBatches -= gone.kind;
    this.points -= gone.points;
    this.bytes -= gone.bytes;
    if (this.batches === 0) this.db!.pragma("incremental_vacuum");
  }

  stats(): SpoolStats {
    let oldest: number | null = null;
    if (this.db !== null && this.batches > 0) {
      oldest = (this.stmts.oldest.get() as { t: number | null }).t;
    }
    return {
      batches: this.batches,
      points: this.points,
      bytes: this.bytes,
      usedBytes: this.bytes + this.batches * BATCH_OVERHEAD_BYTES,
      maxBytes: this.opts.maxBytes,
      oldestSpooledAtMs: oldest,
      droppedPoints: this.dropped,
    };
  }

  /** Size of the database file and its write-ahead log on disk. */
  fileBytes(): number {
    let n = 0;
    for (const f of [this.opts.path, `${this.opts.path}-wal`]) {
      try {
        n += statSync(f).size;
      } catch {
        // not there
      }
    }
    return n;
  }

  private insert(kind: BatchKind, points: number, body: Buffer, ord: number): AppendResult {
    const db = this.open_().db!;
    const cost = body.length + BATCH_OVERHEAD_BYTES;
    const used = () => this.bytes + this.batches * BATCH_OVERHEAD_BYTES;
    const tx = db.transaction((): AppendResult => {
      if (kind === "telemetry" && cost > this.opts.maxBytes) {
        this.bumpDropped(points);
        return { droppedPoints: points, refused: true };
      }
      let droppedPoints = 0;
      while (used() + cost > this.opts.maxBytes) {
        const victims = this.stmts.victims.all(this.protectedId) as { id: number }[];
        if (victims.length === 0) break;
        for (const v of victims) {
          const gone = this.stmts.remove.get(v.id) as { points: number; bytes: number };
          this.batches--;
          this.points -= gone.points;
          this.bytes -= gone.bytes;
          droppedPoints += gone.points;
          if (used() + cost <= this.opts.maxBytes) break;
        }
      }
      if (kind === "telemetry" && used() + cost > this.opts.maxBytes) {
        // Only advice (and the batch being sent) is left: the new telemetry has no room.
        this.bumpDropped(droppedPoints + points);
        return { droppedPoints: droppedPoints + points, refused: true };
      }
      this.stmts.insert.run(
        kind === "advice" ? 1 : 0,
        points,
        (this.opts.now ?? Date.now)(),
        body.length,
        ord,
        body,
      );
      this.batches++;
      if (kind === "advice") this.adviceBatches++;
      this.points += points;
      this.bytes += body.length;
      if (droppedPoints > 0) this.bumpDropped(droppedPoints);
      return { droppedPoints, refused: false };
    });
    const before = {
      batches: this.batches,
      adviceBatches: this.adviceBatches,
      points: this.points,
      bytes: this.bytes,
      dropped: this.dropped,
    };
    try {
      return tx();
    } catch (err) {
      Object.assign(this, before);
      throw new SinkError(
        "EA_SPOOL_IO",
        `cannot write the spool ${this.opts.path}: ${(err as Error).message}`,
      );
    }
  }

  private bumpDropped(n: number): void {
    this.dropped += n;
    this.stmts.setDropped.run(this.dropped);
  }

  private open_(): this {
    if (this.db === null) throw new SinkError("EA_SPOOL_IO", `the spool ${this.opts.path} is not open`);
    return this;
  }

  private prepare(db: Database.Database) {
    return {
      head: db.prepare(
        "SELECT id, kind, points, spooled_at, body FROM batches ORDER BY kind DESC, ord LIMIT 1",
      ),
      remove: db.prepare("DELETE FROM batches WHERE id = ? RETURNING points, bytes, kind"),
      victims: db.prepare("SELECT id FROM batches WHERE kind = 0 AND id != ? ORDER BY ord LIMIT 32"),
      insert: db.prepare(
        "INSERT INTO batches (kind, points, spooled_at, bytes, ord, body) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      oldest: db.prepare("SELECT min(spooled_at) AS t FROM batches"),
      setDropped: db.prepare(
        "INSERT INTO meta (name, value) VALUES ('dropped_points', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
      ),
    };
  }
}
