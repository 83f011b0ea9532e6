import modbusSerial from "modbus-serial";
import type { ModbusConnectionConfig } from "../config/transport-schemas.js";
import { SourceError } from "./source-error.js";

// A CommonJS package whose typings declare `export default`: at run time `.default` is the module itself.
const ModbusRTU = modbusSerial.default;
type ModbusClient = InstanceType<typeof ModbusRTU>;

/** One Modbus connection (a TCP socket to one host, or one RTU serial bus), one request at a time. */
export interface ModbusLink {
  readonly isOpen: boolean;
  /** Connects (again); rejects with EA_MODBUS_CONNECT or a serial open code. */
  open(): Promise<void>;
  /**
   * Reads `count` registers. Rejects with EA_MODBUS_TIMEOUT (no answer), EA_MODBUS_EXCEPTION (the
   * slave answered with an exception), EA_MODBUS_BAD_RESPONSE (CRC or length), or
   * EA_MODBUS_CONNECT (the connection is gone).
   */
  read(
    unitId: number,
    fn: "holding" | "input",
    address: number,
    count: number,
    timeoutMs: number,
  ): Promise<number[]>;
  close(timeoutMs: number): Promise<void>;
}

/** "tcp 10.0.0.5:502" or "rtu /dev/serial/by-id/…": names a connection in logs and status. */
export function connectionName(c: ModbusConnectionConfig): string {
  return c.type === "tcp" ? `tcp ${c.host}:${c.port}` : `rtu ${c.path}`;
}

const EXCEPTIONS: Record<number, string> = {
  1: "illegal function",
  2: "illegal data address",
  3: "illegal data value",
  4: "slave device failure",
  5: "acknowledge",
  6: "slave device busy",
  10: "gateway path unavailable",
  11: "gateway target device failed to respond",
};

/**
 * modbus-serial's client behind ModbusLink. RTU uses its buffered port (a response is cut by its
 * expected length, and bytes of other units are skipped), TCP a socket per host. A new client is
 * made at every open, so a replugged adapter or a restarted gateway starts clean.
 */
export class ModbusSerialLink implements ModbusLink {
  private readonly c: ModbusConnectionConfig;
  private client: ModbusClient | null = null;

  constructor(connection: ModbusConnectionConfig) {
    this.c = connection;
  }

  get isOpen(): boolean {
    return this.client?.isOpen ?? false;
  }

  async open(): Promise<void> {
    await this.close(500);
    const client = new ModbusRTU();
    client.on("error", () => {}); // surfaces as failed requests or a close
    client.on("close", () => {
      if (this.client === client) this.client = null;
    });
    const c = this.c;
    const timeoutMs = c.type === "tcp" ? c.connectTimeoutMs : 3000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const connecting =
        c.type === "tcp"
          ? client.connectTCP(c.host, { port: c.port, timeout: c.connectTimeoutMs })
          : client.connectRTUBuffered(c.path, {
              baudRate: c.baudRate,
              dataBits: c.dataBits,
              stopBits: c.stopBits,
              parity: c.parity,
              rtscts: c.rtscts,
            });
      await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no connection after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      client.destroy(() => {});
      throw new SourceError("EA_MODBUS_CONNECT", `${connectionName(c)}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    this.client = client;
  }

  async read(
    unitId: number,
    fn: "holding" | "input",
    address: number,
    count: number,
    timeoutMs: number,
  ): Promise<number[]> {
    const client = this.client;
    if (client === null || !client.isOpen) {
      throw new SourceError("EA_MODBUS_CONNECT", `${connectionName(this.c)} is not connected`);
    }
    client.setID(unitId);
    client.setTimeout(timeoutMs);
    try {
      const r =
        fn === "holding"
          ? await client.readHoldingRegisters(address, count)
          : await client.readInputRegisters(address, count);
      return r.data;
    } catch (err) {
      throw this.classify(
        err as Error & { errno?: string; modbusCode?: number },
        unitId,
        fn,
        address,
        count,
        timeoutMs,
      );
    }
  }

  async close(timeoutMs: number): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client === null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      // TCP: drop the socket now; RTU: close the serial port so its lock is released.
      if (this.c.type === "tcp") client.destroy(done);
      else if (client.isOpen) client.close(done);
      else client.destroy(done);
    });
  }

  private classify(
    err: Error & { errno?: string; modbusCode?: number },
    unitId: number,
    fn: string,
    address: number,
    count: number,
    timeoutMs: number,
  ): SourceError {
    const what = `unit ${unitId} ${fn} ${address}+${count}`;
    // A connection that closed under the request is the connection's fault, not the slave's.
    if (/port not open/i.test(err.message) || !this.isOpen) {
      return new SourceError("EA_MODBUS_CONNECT", `${what}: ${connectionName(this.c)} is not connected`);
    }
    if (err.errno === "ETIMEDOUT" || /timed out/i.test(err.message)) {
      return new SourceError("EA_MODBUS_TIMEOUT", `${what}: no answer within ${timeoutMs} ms`);
    }
    if (typeof err.modbusCode === "number") {
      const name = EXCEPTIONS[err.modbusCode] ?? "exception";
      return new SourceError(
        "EA_MODBUS_EXCEPTION",
        `${what}: the slave answered exception ${err.modbusCode} (${name})`,
      );
    }
    return new SourceError("EA_MODBUS_BAD_RESPONSE", `${what}: ${err.message}`);
  }
}
