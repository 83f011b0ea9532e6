/** Codes of the serial and Modbus sources; each has a row in the README's error table. */
export type SourceErrorCode =
  | "EA_SERIAL_NOT_FOUND"
  | "EA_SERIAL_PERMISSION"
  | "EA_SERIAL_BUSY"
  | "EA_SERIAL_OPEN_FAILED"
  | "EA_SERIAL_DISCONNECTED"
  | "EA_SERIAL_WRITE_FAILED"
  | "EA_SERIAL_UNKNOWN_PORT"
  | "EA_SERIAL_UNKNOWN_COMMAND"
  | "EA_SERIAL_PORT_CONFLICT"
  | "EA_MODBUS_CONNECT"
  | "EA_MODBUS_TIMEOUT"
  | "EA_MODBUS_EXCEPTION"
  | "EA_MODBUS_BAD_RESPONSE";

export class SourceError extends Error {
  readonly code: SourceErrorCode;
  constructor(code: SourceErrorCode, message: string) {
    super(message);
    this.name = "SourceError";
    this.code = code;
  }
}

export function isSourceError(err: unknown): err is SourceError {
  return err instanceof SourceError;
}

/**
 * Why a serial port would not open, from the binding's message (it carries no errno):
 * missing device, permission, locked by another process, or anything else.
 */
export function classifyOpenError(path: string, err: Error): SourceError {
  const m = err.message;
  if (/no such file|ENOENT|No such device/i.test(m)) {
    return new SourceError(
      "EA_SERIAL_NOT_FOUND",
      `${path} does not exist (device unplugged, or a wrong path): ${m}`,
    );
  }
  if (/permission denied|EACCES|EPERM/i.test(m)) {
    return new SourceError(
      "EA_SERIAL_PERMISSION",
      `${path} exists but may not be opened by this user: add it to the dialout group (${m})`,
    );
  }
  if (/cannot lock|resource temporarily unavailable|EBUSY|EAGAIN/i.test(m)) {
    return new SourceError(
      "EA_SERIAL_BUSY",
      `${path} is held by another process (a terminal, ModemManager, a second agent): ${m}`,
    );
  }
  return new SourceError("EA_SERIAL_OPEN_FAILED", `${path} could not be opened: ${m}`);
}
