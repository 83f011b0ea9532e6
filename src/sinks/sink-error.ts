/** Error codes of the sinks; each has a row in the README's error table. */
export type SinkErrorCode =
  | "EA_SPOOL_IO"
  | "EA_SPOOL_FULL"
  | "EA_STORE_IO"
  | "EA_INFLUX_REFUSED"
  | "EA_INFLUX_REJECTED"
  | "EA_INFLUX_UNREACHABLE"
  | "EA_INFLUX_TLS_FILE"
  | "EA_EXPORT_NO_STORE";

/** A sink problem with its code: a spool or store that cannot be used, a server that refuses us. */
export class SinkError extends Error {
  readonly code: SinkErrorCode;
  constructor(code: SinkErrorCode, message: string) {
    super(message);
    this.name = "SinkError";
    this.code = code;
  }
}
