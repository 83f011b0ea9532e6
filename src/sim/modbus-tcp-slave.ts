import modbusSerial, { type FCallbackVal, type IServiceVector } from "modbus-serial";
import type { SlaveBank } from "./modbus-slave-bank.js";

type Callback = (err: unknown, value?: unknown) => void;
type Server = InstanceType<typeof modbusSerial.ServerTCP>;

/**
 * A Modbus TCP server on a loopback port (modbus-serial's ServerTCP) answering from a SlaveBank:
 * any unit id is accepted; a dead or unknown unit never answers, like a gateway whose RS-485
 * slave is gone.
 */
export class ModbusTcpSlave {
  private readonly bank: SlaveBank;
  private server: Server | null = null;
  private readonly host: string;
  readonly port: number;

  constructor(bank: SlaveBank, port: number, host = "127.0.0.1") {
    this.bank = bank;
    this.port = port;
    this.host = host;
  }

  start(): Promise<void> {
    const answer = (fn: "holding" | "input", addr: number, length: number, unitId: number, cb: Callback) => {
      const a = this.bank.read(unitId, fn, addr, length);
      if (a.kind === "silent") return; // no answer: the client times out
      if (a.kind === "exception") cb({ modbusErrorCode: a.code, msg: "illegal data address" });
      else cb(null, length === 1 ? a.words[0] : a.words);
    };
    // Callback forms (4 and 3 arguments): a dead slave simply never calls back.
    const vector: IServiceVector = {
      getHoldingRegister: (addr: number, unitId: number, cb: FCallbackVal<number>) =>
        answer("holding", addr, 1, unitId, cb as Callback),
      getInputRegister: (addr: number, unitId: number, cb: FCallbackVal<number>) =>
        answer("input", addr, 1, unitId, cb as Callback),
      getMultipleHoldingRegisters: (
        addr: number,
        length: number,
        unitId: number,
        cb: FCallbackVal<number[]>,
      ) => answer("holding", addr, length, unitId, cb as Callback),
      getMultipleInputRegisters: (addr: number, length: number, unitId: number, cb: FCallbackVal<number[]>) =>
        answer("input", addr, length, unitId, cb as Callback),
    };
    return new Promise((resolve, reject) => {
      const server = new modbusSerial.ServerTCP(vector, { host: this.host, port: this.port, unitID: 255 });
      server.on("initialized", () => resolve());
      server.on("serverError", (err) => reject(err));
      server.on("socketError", () => {});
      server.on("error", () => {});
      this.server = server;
    });
  }

  /** Client connections open now. */
  get connections(): number {
    return this.server?.socks.size ?? 0;
  }

  /** Closes the listening socket and every client connection. */
  stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return Promise.resolve();
    for (const sock of server.socks.keys()) sock.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
