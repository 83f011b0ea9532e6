import { z } from "zod";

/**
 * Transports besides MQTT (serial lines and frames, Modbus RTU/TCP polling), as variants of the
 * profile's `transport:` union. Owned by the sources stage.
 */
export const extraTransportSchemas = [] as const;
