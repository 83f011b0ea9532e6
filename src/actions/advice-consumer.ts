import type { ResolvedAsset } from "../config/load-config.js";
import type { Advice } from "../types.js";

/**
 * Acts on advice changes (the outbox of tickets and actuator commands). Called once per change,
 * after the advice was published; must not block or throw into the pipeline.
 */
export interface AdviceConsumer {
  readonly name: string;
  start(): Promise<void>;
  stop(timeoutMs: number): Promise<void>;
  onAdvice(advice: Advice, asset: ResolvedAsset): void;
}
