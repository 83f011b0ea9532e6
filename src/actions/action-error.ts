/** Codes of the actions stage: the outbox, ticket targets and actuator commands. */
export type ActionErrorCode =
  | "EA_OUTBOX_OPEN"
  | "EA_OUTBOX_FULL"
  | "EA_TICKET_UNAVAILABLE"
  | "EA_TICKET_AUTH"
  | "EA_TICKET_REJECTED"
  | "EA_TICKET_NOT_FOUND"
  | "EA_TICKET_NO_TRANSITION"
  | "EA_TICKET_TARGET_UNKNOWN"
  | "EA_SECRET_MISSING"
  | "EA_COMMAND_NOT_ALLOWED"
  | "EA_COMMAND_LIMITS"
  | "EA_COMMAND_RATE_LIMITED"
  | "EA_COMMAND_EXPIRED"
  | "EA_COMMAND_CONFIRM_TIMEOUT"
  | "EA_COMMAND_REJECTED"
  | "EA_COMMAND_NO_TRANSPORT"
  | "EA_COMMAND_SEND_FAILED"
  | "EA_COMMAND_ACK_TIMEOUT"
  | "EA_COMMAND_OUTCOME_UNKNOWN";

export interface ActionErrorOptions {
  /** Trying again later may succeed (network, 5xx, 429, timeouts). */
  readonly retryable?: boolean;
  /** HTTP status, when a server answered. */
  readonly status?: number;
  /** The server asked to wait this long (Retry-After). */
  readonly retryAfterMs?: number;
}

/** An action that could not be carried out (now, or at all), with what was expected and found. */
export class ActionError extends Error {
  readonly code: ActionErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ActionErrorCode, message: string, opts: ActionErrorOptions = {}) {
    super(message);
    this.name = "ActionError";
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export function isActionError(err: unknown): err is ActionError {
  return err instanceof ActionError;
}

/** Any thrown value as an ActionError (unknown errors are retryable: they are not understood yet). */
export function asActionError(err: unknown): ActionError {
  if (err instanceof ActionError) return err;
  const e = err as { code?: unknown; message?: unknown };
  if (e?.code === "EA_SECRET_MISSING") {
    return new ActionError("EA_SECRET_MISSING", String(e.message), { retryable: true });
  }
  return new ActionError("EA_TICKET_UNAVAILABLE", err instanceof Error ? err.message : String(err), {
    retryable: true,
  });
}
