const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
const SKIP = new Set(["level", "time", "msg", "module"]);

/** One pino JSON line as `12:00:01 INFO  [module] message key=value …`. */
export function formatLogLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const t = typeof o.time === "number" ? new Date(o.time).toISOString().slice(11, 19) : "";
  const level = LEVELS[o.level as number] ?? String(o.level);
  const mod = typeof o.module === "string" ? `[${o.module}] ` : "";
  const rest = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${t} ${level} ${mod}${String(o.msg ?? "")}${rest ? `  ${rest}` : ""}`;
}
