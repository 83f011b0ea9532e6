import type { RegisterConfig, RegisterType } from "../config/transport-schemas.js";

/** Most registers one read may ask for (Modbus: 125 for function codes 3 and 4). */
export const MAX_READ_REGISTERS = 125;

export function registerWords(type: RegisterType): 1 | 2 {
  return type === "int16" || type === "uint16" ? 1 : 2;
}

/** One register of a read block: which channel, at which word of the block. */
export interface BlockItem {
  readonly channel: string;
  readonly word: number;
  readonly register: RegisterConfig;
}

/** One request: a run of contiguous registers of one function. */
export interface ReadBlock {
  readonly function: "holding" | "input";
  readonly address: number;
  readonly count: number;
  readonly items: readonly BlockItem[];
}

/**
 * The requests that read a device's registers: registers of the same function that touch or
 * overlap are read together (up to 125 words); a gap starts a new request, since reading
 * registers a device does not have makes it answer with an exception.
 */
export function planReads(registers: Readonly<Record<string, RegisterConfig>>): ReadBlock[] {
  const sorted = Object.entries(registers)
    .map(([channel, register]) => ({ channel, register }))
    .sort((a, b) =>
      a.register.function === b.register.function
        ? a.register.address - b.register.address
        : a.register.function < b.register.function
          ? -1
          : 1,
    );
  const blocks: { function: "holding" | "input"; address: number; count: number; items: BlockItem[] }[] = [];
  for (const { channel, register } of sorted) {
    const words = registerWords(register.type);
    const last = blocks.at(-1);
    const end = register.address + words;
    if (
      last !== undefined &&
      last.function === register.function &&
      register.address <= last.address + last.count &&
      Math.max(end, last.address + last.count) - last.address <= MAX_READ_REGISTERS
    ) {
      last.count = Math.max(last.count, end - last.address);
      last.items.push({ channel, word: register.address - last.address, register });
    } else {
      blocks.push({
        function: register.function,
        address: register.address,
        count: words,
        items: [{ channel, word: 0, register }],
      });
    }
  }
  return blocks;
}

const scratch = new DataView(new ArrayBuffer(4));

/**
 * The raw value of a register at `word` of `words` (16-bit register values, as read).
 * 32-bit types: `big` word order is high word first (ABCD), `little` low word first (CDAB);
 * bytes within a word are big-endian, as Modbus sends them.
 */
export function rawValue(
  words: ArrayLike<number>,
  word: number,
  type: RegisterType,
  wordOrder: "big" | "little",
): number {
  const w0 = words[word] ?? 0;
  if (type === "uint16") return w0 & 0xffff;
  if (type === "int16") return (w0 << 16) >> 16;
  const w1 = words[word + 1] ?? 0;
  const hi = wordOrder === "big" ? w0 : w1;
  const lo = wordOrder === "big" ? w1 : w0;
  if (type === "uint32") return (hi & 0xffff) * 65536 + (lo & 0xffff);
  if (type === "int32") return ((hi & 0xffff) << 16) | (lo & 0xffff);
  scratch.setUint16(0, hi & 0xffff);
  scratch.setUint16(2, lo & 0xffff);
  return scratch.getFloat32(0);
}

/** The engineering value: raw × the register's scale + its offset. */
export function registerValue(words: ArrayLike<number>, item: BlockItem): number {
  const r = item.register;
  return rawValue(words, item.word, r.type, r.wordOrder) * r.scale + r.offset;
}

/** The words a value takes on the wire (for simulators): the inverse of rawValue. */
export function encodeRaw(value: number, type: RegisterType, wordOrder: "big" | "little"): number[] {
  if (type === "uint16" || type === "int16") return [Math.round(value) & 0xffff];
  let hi: number;
  let lo: number;
  if (type === "float32") {
    scratch.setFloat32(0, value);
    hi = scratch.getUint16(0);
    lo = scratch.getUint16(2);
  } else {
    const v = Math.round(value) >>> 0;
    hi = v >>> 16;
    lo = v & 0xffff;
  }
  return wordOrder === "big" ? [hi, lo] : [lo, hi];
}
