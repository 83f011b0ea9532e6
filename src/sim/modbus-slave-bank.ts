/** What a simulated slave answers to a read. */
export type SlaveAnswer =
  | { readonly kind: "ok"; readonly words: readonly number[] }
  | { readonly kind: "exception"; readonly code: number }
  /** A dead or absent slave: no answer at all. */
  | { readonly kind: "silent" };

export interface SimulatedSlave {
  readonly unitId: number;
  /** Holding registers by address (16-bit words). */
  readonly holding?: Readonly<Record<number, number>>;
  readonly input?: Readonly<Record<number, number>>;
  /** Never answers (unplugged, wrong address, dead). */
  readonly dead?: boolean;
}

interface SlaveState {
  readonly holding: Map<number, number>;
  readonly input: Map<number, number>;
  dead: boolean;
  requests: number;
}

/**
 * The register maps of simulated Modbus slaves, shared by the TCP and RTU slave simulators:
 * a read of registers the slave has answers them, a read that touches an address it lacks
 * answers exception 2 (illegal data address), a dead or unknown slave stays silent.
 */
export class SlaveBank {
  private readonly slaves = new Map<number, SlaveState>();

  constructor(slaves: readonly SimulatedSlave[]) {
    for (const s of slaves) {
      const toMap = (r?: Readonly<Record<number, number>>) =>
        new Map(Object.entries(r ?? {}).map(([k, v]) => [Number(k), v & 0xffff]));
      this.slaves.set(s.unitId, {
        holding: toMap(s.holding),
        input: toMap(s.input),
        dead: s.dead ?? false,
        requests: 0,
      });
    }
  }

  read(unitId: number, fn: "holding" | "input", address: number, count: number): SlaveAnswer {
    const s = this.slaves.get(unitId);
    if (s === undefined || s.dead) return { kind: "silent" };
    s.requests++;
    const table = fn === "holding" ? s.holding : s.input;
    const words: number[] = [];
    for (let a = address; a < address + count; a++) {
      const w = table.get(a);
      if (w === undefined) return { kind: "exception", code: 2 };
      words.push(w);
    }
    return { kind: "ok", words };
  }

  /** Sets registers from `address` on (a simulated process value changing). */
  write(unitId: number, fn: "holding" | "input", address: number, words: readonly number[]): void {
    const s = this.slaves.get(unitId);
    if (s === undefined) throw new RangeError(`no simulated slave ${unitId}`);
    const table = fn === "holding" ? s.holding : s.input;
    words.forEach((w, i) => {
      table.set(address + i, w & 0xffff);
    });
  }

  setDead(unitId: number, dead: boolean): void {
    const s = this.slaves.get(unitId);
    if (s !== undefined) s.dead = dead;
  }

  /** Reads answered by a live slave. */
  requests(unitId: number): number {
    return this.slaves.get(unitId)?.requests ?? 0;
  }
}
