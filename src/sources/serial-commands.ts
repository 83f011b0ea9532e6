import type { TransportConfig } from "../config/profile-schema.js";
import type { SerialTransportConfig } from "../config/transport-schemas.js";
import { encodeFrame } from "./frame-parser.js";
import type { SerialPortManager } from "./serial-port-manager.js";
import { SourceError } from "./source-error.js";

/**
 * The bytes of a command a profile names under `transport.commands` (text as UTF-8, or hex),
 * wrapped in the transport's binary frame when `framed: true`. Unknown command, or an asset
 * that is not on a serial port: EA_SERIAL_UNKNOWN_COMMAND.
 */
export function serialCommandBytes(transport: SerialTransportConfig, name: string): Uint8Array {
  const c = transport.commands[name];
  if (c === undefined) {
    const known = Object.keys(transport.commands);
    throw new SourceError(
      "EA_SERIAL_UNKNOWN_COMMAND",
      `no command "${name}" under transport.commands (known: ${known.length ? known.join(", ") : "none"})`,
    );
  }
  const raw = c.hex ?? new TextEncoder().encode(c.text ?? "");
  const f = transport.framing;
  return c.framed && f.type === "frames" ? encodeFrame(f, raw) : raw;
}

/** What a command needs of an asset (a ResolvedAsset is one). */
export interface CommandTarget {
  readonly ref: { readonly key: string };
  readonly profile: { readonly transport: TransportConfig };
}

/** Where and what to write for an asset's named command. */
export function serialCommandFor(
  asset: CommandTarget,
  name: string,
): { readonly path: string; readonly bytes: Uint8Array } {
  const t = asset.profile.transport;
  if (t.type !== "serial") {
    throw new SourceError(
      "EA_SERIAL_UNKNOWN_COMMAND",
      `${asset.ref.key} is not on a serial port (transport ${t.type})`,
    );
  }
  return { path: t.path, bytes: serialCommandBytes(t, name) };
}

/**
 * Writes an asset's named command through the shared port (for the actions). Rejects with
 * EA_SERIAL_UNKNOWN_COMMAND, EA_SERIAL_UNKNOWN_PORT, EA_SERIAL_DISCONNECTED or EA_SERIAL_WRITE_FAILED.
 */
export async function sendSerialCommand(
  ports: SerialPortManager,
  asset: CommandTarget,
  name: string,
): Promise<void> {
  const { path, bytes } = serialCommandFor(asset, name);
  await ports.write(path, bytes);
}

/**
 * The serial side of the actions' command transport (structurally the actions'
 * `CommandTransport`; sources do not import later stages): a rendered command is written
 * through the shared port. `destination` (the action command's `transport.port`) is a device
 * path, or `asset` for the serial port of the asset the command is for (its fleet override
 * included), so one profile's command works for every asset that uses it.
 */
export class SerialCommandSender {
  private readonly ports: SerialPortManager;
  private readonly assetPorts: ReadonlyMap<string, string>;

  /** `assets`: the resolved assets (LoadedConfig.assets); those on a serial port are remembered. */
  constructor(ports: SerialPortManager, assets: readonly CommandTarget[]) {
    this.ports = ports;
    this.assetPorts = new Map(
      assets.flatMap((a) =>
        a.profile.transport.type === "serial" ? [[a.ref.key, a.profile.transport.path] as const] : [],
      ),
    );
  }

  async send(
    command: { readonly site: string; readonly asset: string; readonly destination: string },
    payload: Uint8Array,
  ): Promise<void> {
    let path = command.destination;
    if (!path.startsWith("/")) {
      const key = `${command.site}/${command.asset}`;
      const own = path === "asset" ? this.assetPorts.get(key) : undefined;
      if (own === undefined) {
        throw new SourceError(
          "EA_SERIAL_UNKNOWN_PORT",
          path === "asset"
            ? `${key} is not on a serial port, so a command for "asset" has nowhere to go`
            : `serial destination "${path}" is neither a device path nor "asset"`,
        );
      }
      path = own;
    }
    await this.ports.write(path, payload);
  }
}
