/**
 * Plans (spec 000): request rate and upload cap come from the spec; storage,
 * recordings and processed minutes are Iris's own monthly allowances.
 */
export const PLAN_NAMES = ['free', 'pro', 'team'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export interface PlanLimits {
  requests_per_minute: number;
  /** Spec 002's tiers for the agents API (standard 60, pro 300), a bucket of its own. */
  agent_requests_per_minute: number;
  max_upload_bytes: number;
  storage_bytes: number;
  recordings: number;
  processed_minutes: number;
  /** Language-model tokens (prompt + completion) agents may use per month; the extractive agent uses none. */
  agent_tokens: number;
}

const MB = 1024 * 1024;
const GB = 1024 * MB;

export const PLANS: Record<PlanName, PlanLimits> = {
  free: {
    requests_per_minute: 60,
    agent_requests_per_minute: 60,
    max_upload_bytes: 500 * MB,
    storage_bytes: 10 * GB,
    recordings: 200,
    processed_minutes: 600,
    agent_tokens: 200_000,
  },
  pro: {
    requests_per_minute: 600,
    agent_requests_per_minute: 300,
    max_upload_bytes: 4 * GB,
    storage_bytes: 200 * GB,
    recordings: 10_000,
    processed_minutes: 6_000,
    agent_tokens: 5_000_000,
  },
  team: {
    requests_per_minute: 600,
    agent_requests_per_minute: 600,
    max_upload_bytes: 8 * GB,
    storage_bytes: 1024 * GB,
    recordings: 100_000,
    processed_minutes: 30_000,
    agent_tokens: 20_000_000,
  },
};

export const planOf = (name: string): PlanLimits =>
  PLANS[(PLAN_NAMES as readonly string[]).includes(name) ? (name as PlanName) : 'free'];
