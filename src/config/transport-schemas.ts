import { z } from "zod";

/**
 * Transports besides MQTT (serial lines and frames, Modbus RTU/TCP polling), as variants of the
 * profile's `transport:` union. Owned by the sources stage.
 *
 * Everything a fleet may change per asset is an object key, not an array element, so that the
 * fleet's `overrides:` (deep-merged over the profile) can reach it:
 * `overrides: { transport: { path: /dev/serial/by-id/… } }`,
 * `overrides: { transport: { devices: { meter: { unitId: 7 } } } }`.
 */

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '.' or '-'");

/** Bytes written as hex pairs, spaces allowed: `"AA 55"`, `"01060001FF00"`. */
export const hexBytesSchema = z
  .string()
  .regex(/^\s*(?:[0-9A-Fa-f]{2}\s*)+$/, 'hex bytes, e.g. "AA 55"')
  .transform((s) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex")));

/** A serial device path; `/dev/serial/by-id/…` survives re-plugging and reboots, `/dev/ttyUSB0` does not. */
const devicePath = z.string().min(1).regex(/^\//, "an absolute device path, e.g. /dev/serial/by-id/usb-…");

const lineSettings = {
  path: devicePath,
  dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
  /** RTS/CTS hardware flow control. */
  rtscts: z.boolean().default(false),
};
const parity = z.enum(["none", "even", "odd", "mark", "space"]);

/** Reopening a port (or a Modbus connection) after it closed or never opened. */
const reconnectSchema = z
  .strictObject({
    minMs: z.number().int().positive().default(100),
    /** Keep it ≤ 1000 so that a device that reappears is read again within about a second. */
    maxMs: z.number().int().positive().max(600_000).default(1000),
    jitter: z.number().min(0).max(1).default(0.2),
  })
  .default({ minMs: 100, maxMs: 1000, jitter: 0.2 });

const lineFraming = z.strictObject({
  /** One payload per line, for the profile's codec; `\n` ends a line, a `\r` before it is dropped. */
  type: z.literal("lines"),
  /** A longer line is discarded (counted as bad_frame) up to its end. */
  maxLineBytes: z
    .number()
    .int()
    .positive()
    .max(16 * 1024 * 1024)
    .default(65536),
  /**
   * After every (re)open the bytes up to the first line end are dropped: a device that streams
   * all the time is almost always mid-line when the port opens, and a cut line could still parse.
   */
  skipFirstLine: z.boolean().default(true),
});

const binaryFraming = z.strictObject({
  /**
   * `[start marker][length][payload][CRC-16]`: the length counts payload bytes; the CRC covers
   * the length field and the payload. Garbage, false markers and bad CRCs are skipped (counted
   * as bad_frame) and the parser resynchronises on the next marker.
   */
  type: z.literal("frames"),
  startMarker: hexBytesSchema.default(() => Uint8Array.of(0xaa, 0x55)),
  lengthBytes: z.union([z.literal(1), z.literal(2)]).default(2),
  lengthByteOrder: z.enum(["le", "be"]).default("le"),
  /**
   * `modbus`: CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF), sent low byte first;
   * `ccitt`: CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), sent high byte first.
   */
  crc: z.enum(["modbus", "ccitt"]).default("modbus"),
  /** A frame whose length field says more is a false start (counted as bad_frame). */
  maxPayloadBytes: z.number().int().positive().max(65535).default(4096),
});

export const serialFramingSchema = z.discriminatedUnion("type", [lineFraming, binaryFraming]);
export type SerialFraming = z.infer<typeof serialFramingSchema>;

/** A named command an action may write to the port: text (UTF-8) or hex bytes, optionally framed. */
const serialCommandSchema = z
  .strictObject({
    description: z.string().optional(),
    text: z.string().min(1).optional(),
    hex: hexBytesSchema.optional(),
    /** Wrap the bytes in the transport's binary frame (marker, length, CRC). Needs `framing.type: frames`. */
    framed: z.boolean().default(false),
  })
  .refine((c) => (c.text === undefined) !== (c.hex === undefined), "give exactly one of text or hex");
export type SerialCommandConfig = z.infer<typeof serialCommandSchema>;

export const serialTransportSchema = z
  .strictObject({
    type: z.literal("serial"),
    ...lineSettings,
    baudRate: z.number().int().positive().max(4_000_000).default(9600),
    parity: parity.default("none"),
    framing: serialFramingSchema.default({ type: "lines", maxLineBytes: 65536, skipFirstLine: true }),
    reconnect: reconnectSchema,
    commands: z.record(name, serialCommandSchema).default({}),
  })
  .superRefine((t, ctx) => {
    if (t.framing.type === "frames" && t.framing.startMarker.length > 4) {
      ctx.addIssue({ code: "custom", path: ["framing", "startMarker"], message: "1 to 4 bytes" });
    }
    if (t.reconnect.minMs > t.reconnect.maxMs) {
      ctx.addIssue({ code: "custom", path: ["reconnect", "minMs"], message: "minMs must not exceed maxMs" });
    }
    for (const [k, c] of Object.entries(t.commands)) {
      if (c.framed && t.framing.type !== "frames") {
        ctx.addIssue({
          code: "custom",
          path: ["commands", k, "framed"],
          message: "framed needs framing.type: frames",
        });
      }
    }
  });
export type SerialTransportConfig = z.infer<typeof serialTransportSchema>;

export const REGISTER_TYPES = ["int16", "uint16", "int32", "uint32", "float32"] as const;
export type RegisterType = (typeof REGISTER_TYPES)[number];

const registerSchema = z.strictObject({
  /** Zero-based register address as sent on the wire (register 40001 is address 0). */
  address: z.number().int().min(0).max(65535),
  function: z.enum(["holding", "input"]).default("holding"),
  type: z.enum(REGISTER_TYPES).default("uint16"),
  /** For 32-bit types: `big` = high word first (ABCD), `little` = low word first (CDAB). */
  wordOrder: z.enum(["big", "little"]).default("big"),
  /** raw × scale + offset; then the channel's own scale and offset apply. */
  scale: z.number().finite().default(1),
  offset: z.number().finite().default(0),
  /** The unit after scale and offset (documentation; the channel's unit is the one published). */
  unit: z.string().optional(),
});
export type RegisterConfig = z.infer<typeof registerSchema>;

const modbusDeviceSchema = z.strictObject({
  /** Slave address: 1-247 on an RTU bus; a TCP gateway may use 0-255. */
  unitId: z.number().int().min(0).max(255),
  pollIntervalMs: z.number().int().min(10).default(1000),
  /** Answer timeout for this slave; default the transport's timeoutMs. */
  timeoutMs: z.number().int().positive().max(60_000).optional(),
  /** Registers by channel name (a channel of the profile). */
  registers: z.record(name, registerSchema).refine((r) => Object.keys(r).length > 0, "at least one register"),
});
export type ModbusDeviceConfig = z.infer<typeof modbusDeviceSchema>;

const tcpConnection = z.strictObject({
  type: z.literal("tcp"),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(502),
  connectTimeoutMs: z.number().int().positive().default(3000),
});
const rtuConnection = z.strictObject({
  type: z.literal("rtu"),
  ...lineSettings,
  /** The Modbus specification's default is 19200 baud, even parity. */
  baudRate: z.number().int().positive().max(4_000_000).default(19200),
  parity: parity.default("even"),
});
export const modbusConnectionSchema = z.discriminatedUnion("type", [tcpConnection, rtuConnection]);
export type ModbusConnectionConfig = z.infer<typeof modbusConnectionSchema>;

export const modbusTransportSchema = z
  .strictObject({
    type: z.literal("modbus"),
    connection: modbusConnectionSchema,
    /** Default answer timeout per request. */
    timeoutMs: z.number().int().positive().max(60_000).default(500),
    /** A slave that did not answer is asked again after this backoff (doubling), never sooner than its interval. */
    backoff: z
      .strictObject({
        minMs: z.number().int().positive().default(1000),
        maxMs: z.number().int().positive().default(30_000),
        jitter: z.number().min(0).max(1).default(0.2),
      })
      .default({ minMs: 1000, maxMs: 30_000, jitter: 0.2 }),
    reconnect: reconnectSchema,
    /** Slaves by name. */
    devices: z
      .record(name, modbusDeviceSchema)
      .refine((d) => Object.keys(d).length > 0, "at least one device"),
  })
  .superRefine((t, ctx) => {
    const seen = new Map<string, string>();
    for (const [dn, d] of Object.entries(t.devices)) {
      if (t.connection.type === "rtu" && (d.unitId < 1 || d.unitId > 247)) {
        ctx.addIssue({ code: "custom", path: ["devices", dn, "unitId"], message: "1 to 247 on an RTU bus" });
      }
      for (const ch of Object.keys(d.registers)) {
        const first = seen.get(ch);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["devices", dn, "registers", ch],
            message: `channel "${ch}" is already read from device "${first}"`,
          });
        } else seen.set(ch, dn);
      }
    }
  });
export type ModbusTransportConfig = z.infer<typeof modbusTransportSchema>;

export const extraTransportSchemas = [serialTransportSchema, modbusTransportSchema] as const;

/**
 * Channels a transport names that the profile does not have (for the profile's superRefine):
 * `transportChannelIssues(p.transport, Object.keys(p.channels))`.
 */
export function transportChannelIssues(
  transport: { readonly type: string },
  channels: readonly string[],
): { path: (string | number)[]; message: string }[] {
  if (transport.type !== "modbus") return [];
  const t = transport as ModbusTransportConfig;
  const out: { path: (string | number)[]; message: string }[] = [];
  for (const [dn, d] of Object.entries(t.devices)) {
    for (const ch of Object.keys(d.registers)) {
      if (!channels.includes(ch)) {
        out.push({ path: ["transport", "devices", dn, "registers", ch], message: `unknown channel "${ch}"` });
      }
    }
  }
  return out;
}
