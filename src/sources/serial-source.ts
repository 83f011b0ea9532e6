import type { Logger } from "pino";
import type { SerialTransportConfig } from "../config/transport-schemas.js";
import { type FrameEvent, FrameParser } from "./frame-parser.js";
import { type LineEvent, LineSplitter } from "./line-splitter.js";
import type { ManagedPort } from "./managed-port.js";
import type { SerialPortManager } from "./serial-port-manager.js";
import type { Source, SourceSink, SourceStatus } from "./source.js";

export interface SerialSourceOptions {
  /** The asset whose payloads this port carries (`site/asset`). */
  readonly assetKey: string;
  readonly transport: SerialTransportConfig;
  readonly ports: SerialPortManager;
  readonly log: Logger;
  readonly now?: () => number;
}

type FramerEvent = LineEvent | FrameEvent;

/** Lines or frames: bytes in, payloads and discards out; `reset` at every (re)open. */
interface Framer {
  push(chunk: Uint8Array): readonly FramerEvent[];
  reset(): FramerEvent | null;
}

/**
 * A serial device that sends lines (CSV, JSON) or binary frames: each line or frame is one
 * payload for the asset's codec (`sink.payload`); bytes that cannot be framed are counted
 * discards (`bad_frame`). The port is shared through the SerialPortManager (actions write
 * commands to it) and reopens by itself; at every reopen the framer starts clean.
 */
export class SerialSource implements Source {
  readonly name: string;
  private readonly o: SerialSourceOptions;
  private port: ManagedPort | null = null;
  private unlisten: (() => void) | null = null;
  private readonly framer: Framer;
  readonly counters = { payloads: 0, discards: 0 };

  constructor(o: SerialSourceOptions) {
    this.o = o;
    this.name = `serial ${o.transport.path}`;
    const f = o.transport.framing;
    this.framer =
      f.type === "lines"
        ? new LineSplitter({ maxLineBytes: f.maxLineBytes, skipFirstLine: f.skipFirstLine })
        : new FrameParser({
            startMarker: f.startMarker,
            lengthBytes: f.lengthBytes,
            lengthByteOrder: f.lengthByteOrder,
            crc: f.crc,
            maxPayloadBytes: f.maxPayloadBytes,
          });
  }

  /** Acquires the port (opening it, or waiting for it) and starts delivering; never fails for a missing device. */
  async start(sink: SourceSink): Promise<void> {
    const t = this.o.transport;
    const key = this.o.assetKey;
    const now = this.o.now ?? Date.now;
    this.port = this.o.ports.acquire(
      {
        path: t.path,
        baudRate: t.baudRate,
        dataBits: t.dataBits,
        stopBits: t.stopBits,
        parity: t.parity,
        rtscts: t.rtscts,
      },
      t.reconnect,
    );
    const deliver = (events: readonly FramerEvent[]) => {
      for (const e of events) {
        if (e.kind === "discard") {
          this.counters.discards++;
          sink.discarded(key, "bad_frame", e.detail);
        } else {
          this.counters.payloads++;
          sink.payload(key, e.payload, now());
        }
      }
    };
    this.unlisten = this.port.listen({
      onOpen: () => {
        const dropped = this.framer.reset();
        if (dropped !== null) deliver([dropped]);
      },
      onData: (chunk) => deliver(this.framer.push(chunk)),
    });
    if (this.port.connected) this.framer.reset();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.unlisten?.();
    this.unlisten = null;
    if (this.port !== null) await this.o.ports.release(this.port.path, timeoutMs);
    this.port = null;
  }

  status(): SourceStatus {
    const p = this.port;
    return {
      name: this.name,
      connected: p?.connected ?? false,
      detail:
        p === null
          ? "stopped"
          : `${p.detail}; ${this.counters.payloads} payloads, ${this.counters.discards} discards`,
    };
  }
}
