import type { Context } from "hono";
import type { AppEnv } from "../env";

// Throttling is issue #5: this file's contract is what the permission middleware calls.
export type ThrottleName = string;

export async function applyThrottles(_c: Context<AppEnv>, _scopes?: readonly ThrottleName[]): Promise<void> {}
