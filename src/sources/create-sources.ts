import type { Logger } from "pino";
import type { LoadedConfig } from "../config/load-config.js";
import {
  type ModbusConnectionConfig,
  type ModbusTransportConfig,
  transportChannelIssues,
} from "../config/transport-schemas.js";
import { type ModbusDeviceBinding, ModbusSource } from "./modbus-source.js";
import { SerialPortManager } from "./serial-port-manager.js";
import { SerialSource } from "./serial-source.js";
import type { Source } from "./source.js";

interface ModbusGroup {
  readonly connection: ModbusConnectionConfig;
  readonly reconnect: ModbusTransportConfig["reconnect"];
  readonly devices: ModbusDeviceBinding[];
}

/**
 * The sources besides MQTT, from the resolved assets (fleet overrides applied): a SerialSource
 * per asset with a `serial` transport (one asset per port), and a ModbusSource per Modbus
 * connection (one per RTU bus path or TCP host:port), polling the devices of every asset on it.
 * An asset whose transport clashes with another's (the same port with other settings, a port
 * used both for lines and for Modbus, a register for a channel the profile lacks) gets no
 * source: one error line each (EA_SERIAL_PORT_CONFLICT / EA_PROFILE_INVALID), the rest run.
 * Serial ports go through `ports`, which the actions use to write commands to the same port.
 */
export function createSources(config: LoadedConfig, log: Logger, ports?: SerialPortManager): Source[] {
  const slog = log.child({ module: "serial" });
  const mlog = log.child({ module: "modbus" });
  const manager = ports ?? new SerialPortManager(slog);
  const sources: Source[] = [];
  const serialPaths = new Map<string, string>();
  const modbus = new Map<string, ModbusGroup>();

  for (const a of config.assets) {
    const t = a.profile.transport;
    const asset = a.ref.key;
    if (t.type === "serial") {
      const other = serialPaths.get(t.path) ?? rtuUser(modbus, t.path);
      if (other !== undefined) {
        slog.error(
          { asset, path: t.path, code: "EA_SERIAL_PORT_CONFLICT", other },
          "serial port already used by another asset: this asset gets no serial source",
        );
        continue;
      }
      serialPaths.set(t.path, asset);
      sources.push(
        new SerialSource({ assetKey: asset, transport: t, ports: manager, log: slog.child({ asset }) }),
      );
    } else if (t.type === "modbus") {
      const unknown = transportChannelIssues(t, Object.keys(a.profile.channels));
      if (unknown.length > 0) {
        mlog.error(
          {
            asset,
            code: "EA_PROFILE_INVALID",
            file: a.profileFile,
            problems: unknown.map((u) => `${u.path.join(".")}: ${u.message}`),
          },
          "modbus registers name channels the profile does not have: this asset is not polled",
        );
        continue;
      }
      const c = t.connection;
      const key = c.type === "tcp" ? `tcp:${c.host}:${c.port}` : `rtu:${c.path}`;
      let group = modbus.get(key);
      if (group === undefined) {
        if (c.type === "rtu" && serialPaths.has(c.path)) {
          mlog.error(
            { asset, path: c.path, code: "EA_SERIAL_PORT_CONFLICT", other: serialPaths.get(c.path) },
            "serial port already used for lines or frames: this asset is not polled",
          );
          continue;
        }
        group = { connection: c, reconnect: t.reconnect, devices: [] };
        modbus.set(key, group);
      } else if (c.type === "rtu" && group.connection.type === "rtu") {
        const g = group.connection;
        if (
          g.baudRate !== c.baudRate ||
          g.parity !== c.parity ||
          g.dataBits !== c.dataBits ||
          g.stopBits !== c.stopBits
        ) {
          mlog.error(
            { asset, path: c.path, code: "EA_SERIAL_PORT_CONFLICT" },
            "the RTU bus is already polled with other line settings: this asset is not polled",
          );
          continue;
        }
      }
      const units = new Set(group.devices.map((d) => d.device.unitId));
      for (const [name, device] of Object.entries(t.devices)) {
        if (units.has(device.unitId)) {
          mlog.error(
            { asset, device: name, unit: device.unitId, code: "EA_MODBUS_UNIT_CONFLICT" },
            "another asset already polls this unit id on the same connection: this device is skipped",
          );
          continue;
        }
        group.devices.push({
          assetKey: asset,
          name,
          device,
          timeoutMs: device.timeoutMs ?? t.timeoutMs,
          backoff: t.backoff,
          channels: a.profile.channels,
        });
      }
    }
  }

  for (const g of modbus.values()) {
    if (g.devices.length === 0) continue;
    sources.push(
      new ModbusSource({
        connection: g.connection,
        devices: g.devices,
        reconnect: g.reconnect,
        log: mlog.child({
          connection:
            g.connection.type === "tcp" ? `${g.connection.host}:${g.connection.port}` : g.connection.path,
        }),
      }),
    );
  }
  return sources;
}

function rtuUser(modbus: ReadonlyMap<string, ModbusGroup>, path: string): string | undefined {
  const g = modbus.get(`rtu:${path}`);
  return g?.devices[0]?.assetKey;
}
