/**
 * Topic patterns of device profiles (`{prefix}/{site}/{asset}/vibration`) as MQTT subscription
 * filters (`factory/+/+/vibration`), and the way back from a concrete topic to its asset.
 */

export interface TopicPattern {
  /** The subscription filter. */
  readonly filter: string;
  /** Index of the `{site}` and `{asset}` levels, -1 when the pattern does not have them. */
  readonly siteLevel: number;
  readonly assetLevel: number;
}

export function compilePattern(pattern: string, prefix: string): TopicPattern {
  const levels = pattern.replaceAll("{prefix}", prefix).split("/");
  const siteLevel = levels.indexOf("{site}");
  const assetLevel = levels.indexOf("{asset}");
  const filter = levels.map((l) => (l === "{site}" || l === "{asset}" ? "+" : l)).join("/");
  return { filter, siteLevel, assetLevel };
}

/** The concrete topic of one asset for a pattern (placeholders filled in). */
export function topicFor(pattern: string, prefix: string, site: string, asset: string): string {
  return pattern.replaceAll("{prefix}", prefix).replaceAll("{site}", site).replaceAll("{asset}", asset);
}

/** MQTT filter matching (`+` one level, `#` the rest). */
export function matchesFilter(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === "#") return true;
    if (i >= t.length) return false;
    if (level !== "+" && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Routes a topic to a value (the asset's pipeline). Concrete topics are looked up once and
 * cached, so the per-message cost is one Map lookup.
 */
export class TopicRouter<T> {
  private readonly routes: { filter: string; value: T }[] = [];
  private readonly cache = new Map<string, T | null>();
  private readonly maxCache: number;

  constructor(maxCache = 100_000) {
    this.maxCache = maxCache;
  }

  /** Routes exactly this topic (no wildcards) to `value`. */
  add(topicOrFilter: string, value: T): void {
    this.routes.push({ filter: topicOrFilter, value });
    this.cache.clear();
  }

  route(topic: string): T | null {
    const hit = this.cache.get(topic);
    if (hit !== undefined) return hit;
    let found: T | null = null;
    for (const r of this.routes) {
      if (r.filter === topic || matchesFilter(r.filter, topic)) {
        found = r.value;
        break;
      }
    }
    if (this.cache.size >= this.maxCache) this.cache.clear();
    this.cache.set(topic, found);
    return found;
  }
}
