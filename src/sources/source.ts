import type { DiscardReason, Reading } from "../types.js";

/** Payloads or readings for one asset, from a source other than the shared MQTT connection. */
export interface SourceSink {
  /** A payload (a line, a frame) for the asset's codec. */
  payload(assetKey: string, payload: Uint8Array, nowMs: number): void;
  /** Readings already decoded by the source (Modbus registers). */
  readings(assetKey: string, readings: readonly Reading[]): void;
  /** Bytes that could not be framed: counted as discards of the asset. */
  discarded(assetKey: string, reason: DiscardReason, detail: string): void;
}

export interface SourceStatus {
  readonly name: string;
  readonly connected: boolean;
  readonly detail: string;
}

/** A serial port, a Modbus bus… Starting is never fatal: a missing device is waited for. */
export interface Source {
  readonly name: string;
  start(sink: SourceSink): Promise<void>;
  stop(timeoutMs: number): Promise<void>;
  status(): SourceStatus;
}
