import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import { PLAN_NAMES, PLANS, type PlanName } from '../../modules/workspaces/plans.js';
import type { RateLimitResult, RateLimitStore } from './store.js';
import { TtlCache } from '../ttl-cache.js';

/** Who pays for a request: a workspace, a signed-in person without one, or a client address. */
export interface RateLimitSubject {
  scope: 'workspace' | 'user' | 'client';
  /** The bucket's name in the store. */
  key: string;
  plan: PlanName;
  /** Requests per window. */
  limit: number;
  workspaceId?: string;
  /** The workspace's custom rates, when it has any. */
  custom?: CustomRates;
}

export interface RateLimitDecision extends RateLimitResult {
  subject: RateLimitSubject;
  windowMs: number;
}

export interface RateLimiterDeps {
  store: RateLimitStore;
  access: {
    defaultWorkspaceId(userId: string): Promise<string | undefined>;
    memberAccess(workspaceId: string, userId: string): Promise<{ status: string } | undefined>;
  };
  workspaces: {
    find(id: string): Promise<{ plan: string } | undefined>;
    /** Custom rates an instance administrator set for the workspace (null: the plan's). */
    customRateLimits?(id: string): Promise<CustomRates>;
  };
  usage: { countRequest(workspaceId: string): void };
  logger: Pick<Logger, 'warn' | 'error' | 'debug'>;
  /** Epoch milliseconds; tests inject a fake clock instead of sleeping. */
  now?: () => number;
  /** Window of the plan limits (spec 000: per minute). */
  windowMs?: number;
  /** How long user → workspace, membership and workspace → plan answers are reused. */
  cacheTtlMs?: number;
  cacheSize?: number;
  /** Requests per window per plan; defaults to PLANS[plan].requests_per_minute. */
  limits?: Partial<Record<PlanName, number>>;
}

/**
 * Route classes with their own buckets and rates: a route declares one with
 * `config: { rateLimitClass }`. Spec 002's agents API has its own tiers.
 */
export const RATE_LIMIT_CLASSES = {
  agents: (plan: PlanName) => PLANS[plan].agent_requests_per_minute,
} as const;
export type RateLimitClass = keyof typeof RATE_LIMIT_CLASSES;

export interface CustomRates {
  requests_per_minute: number | null;
  agent_requests_per_minute: number | null;
}

const NO_CUSTOM: CustomRates = { requests_per_minute: null, agent_requests_per_minute: null };

/** Anything that is not a workspace id is ignored rather than looked up. */
const WORKSPACE_ID = /^ws_[0-9a-z]{1,64}$/;

/**
 * Rate limits per workspace and plan (specs 000 and 002). The bucket is the
 * workspace a request acts in:
 *   1. the workspace an API key or node credential is bound to;
 *   2. else, for a signed-in person, `?workspace_id=` when they are an active member
 *      of it (so nobody can pick a fresh bucket, or spend someone else's);
 *   3. else their default workspace; a person with no workspace has a bucket of
 *      their own on the free plan;
 *   4. anonymous requests (and requests whose credentials were refused) are limited
 *      per client address at the free plan's rate — signup and login floods included.
 * Lookups are cached for `cacheTtlMs` (30 s), so a plan change takes effect within
 * that time in every process; the database stays the shared source of truth.
 */
export class RateLimiter {
  readonly windowMs: number;
  private now: () => number;
  private readonly store: RateLimitStore;
  private readonly defaults: TtlCache<string | null>;
  private readonly memberships: TtlCache<boolean>;
  private readonly plans: TtlCache<{ plan: PlanName; custom: CustomRates }>;
  private readonly limits: Record<PlanName, number>;
  private readonly classLimits: Record<RateLimitClass, Record<PlanName, number>>;

  constructor(private readonly deps: RateLimiterDeps) {
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
    this.windowMs = deps.windowMs ?? 60_000;
    const ttl = deps.cacheTtlMs ?? 30_000;
    const size = deps.cacheSize ?? 10_000;
    const clock = () => this.now();
    this.defaults = new TtlCache(ttl, size, clock);
    this.memberships = new TtlCache(ttl, size, clock);
    this.plans = new TtlCache(ttl, size, clock);
    this.limits = Object.fromEntries(
      PLAN_NAMES.map((p) => [p, deps.limits?.[p] ?? PLANS[p].requests_per_minute]),
    ) as Record<PlanName, number>;
    this.classLimits = Object.fromEntries(
      Object.entries(RATE_LIMIT_CLASSES).map(([name, rate]) => [
        name,
        Object.fromEntries(PLAN_NAMES.map((p) => [p, deps.limits?.[p] ?? rate(p)])),
      ]),
    ) as Record<RateLimitClass, Record<PlanName, number>>;
  }

  get storeKind(): RateLimitStore['kind'] {
    return this.store.kind;
  }

  /** Tests move time instead of sleeping; the caches follow the same clock. */
  setClock(now: () => number): void {
    this.now = now;
  }

  /**
   * Changes the per-plan limits of this process (benchmarks and suites that fire
   * thousands of requests raise them so the whole limiter path runs without refusing).
   */
  setLimits(limits: Partial<Record<PlanName, number>>): void {
    for (const [plan, limit] of Object.entries(limits) as Array<[PlanName, number]>) {
      if (!Number.isInteger(limit) || limit < 1)
        throw new RangeError(`limit for ${plan} must be a positive integer`);
      this.limits[plan] = limit;
      for (const c of Object.values(this.classLimits)) c[plan] = limit;
    }
  }

  limitOf(plan: PlanName): number {
    return this.limits[plan];
  }

  /** Works out who pays for a request. Database trouble propagates; the hook fails open. */
  async subject(principal: Principal, query: unknown, ip: string): Promise<RateLimitSubject> {
    const workspaceId = await this.workspaceOf(principal, query);
    if (workspaceId) {
      const { plan, custom } = await this.plans.get(workspaceId, async () => ({
        plan: normalizePlan((await this.deps.workspaces.find(workspaceId))?.plan),
        custom: (await this.deps.workspaces.customRateLimits?.(workspaceId)) ?? NO_CUSTOM,
      }));
      const subject = this.make('workspace', `ws:${workspaceId}`, plan, workspaceId);
      return custom === NO_CUSTOM
        ? subject
        : { ...subject, limit: custom.requests_per_minute ?? subject.limit, custom };
    }
    if (principal.kind === 'user' && principal.userId) {
      return this.make('user', `usr:${principal.userId}`, 'free');
    }
    return this.make('client', `ip:${clientKey(ip)}`, 'free');
  }

  /**
   * Spends one request from the subject's bucket. The limit is part of the key, so a
   * plan change starts a fresh bucket at the new rate instead of inheriting the old.
   */
  async consume(subject: RateLimitSubject): Promise<RateLimitDecision> {
    const result = await this.store.consume(
      `${subject.key}:${subject.limit}`,
      subject.limit,
      this.windowMs,
      this.now(),
    );
    return { ...result, subject, windowMs: this.windowMs };
  }

  /** Subject + consume, and the usage counter for authenticated requests in a workspace. */
  async check(
    principal: Principal,
    query: unknown,
    ip: string,
    cls?: RateLimitClass,
  ): Promise<RateLimitDecision> {
    const subject = await this.subject(principal, query, ip);
    const decision = await this.consume(
      cls ? { ...subject, key: `${subject.key}:${cls}`, limit: this.classLimit(cls, subject) } : subject,
    );
    const ws = decision.subject.workspaceId;
    if (decision.allowed && ws && principal.kind !== 'anonymous') this.deps.usage.countRequest(ws);
    return decision;
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  /** Forgets a workspace's cached plan and custom rates (after an administrator changed them). */
  forget(workspaceId: string): void {
    this.plans.delete(workspaceId);
  }

  private classLimit(cls: RateLimitClass, subject: RateLimitSubject): number {
    const custom = cls === 'agents' ? subject.custom?.agent_requests_per_minute : undefined;
    return custom ?? this.classLimits[cls][subject.plan];
  }

  private make(
    scope: RateLimitSubject['scope'],
    key: string,
    plan: PlanName,
    workspaceId?: string,
  ): RateLimitSubject {
    return { scope, key, plan, limit: this.limits[plan], ...(workspaceId ? { workspaceId } : {}) };
  }

  private async workspaceOf(principal: Principal, query: unknown): Promise<string | undefined> {
    if (principal.credential.workspaceId) return principal.credential.workspaceId;
    const userId = principal.kind === 'user' ? principal.userId : undefined;
    if (!userId) return undefined;
    const asked = (query as Record<string, unknown> | undefined)?.workspace_id;
    if (typeof asked === 'string' && WORKSPACE_ID.test(asked)) {
      const member = await this.memberships.get(`${userId}|${asked}`, async () => {
        const m = await this.deps.access.memberAccess(asked, userId);
        return m?.status === 'active';
      });
      if (member) return asked;
    }
    return (
      (await this.defaults.get(
        userId,
        async () => (await this.deps.access.defaultWorkspaceId(userId)) ?? null,
      )) ?? undefined
    );
  }
}

const normalizePlan = (plan: string | undefined): PlanName =>
  (PLAN_NAMES as readonly string[]).includes(plan ?? '') ? (plan as PlanName) : 'free';

/**
 * One bucket per IPv4 address and per IPv6 /64 (what one subscriber usually gets,
 * so rotating through their own block buys nothing). IPv4-mapped IPv6 is IPv4.
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip || 'unknown';
  const [head = '', tail = ''] = ip.split('%')[0]!.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return (
    groups
      .slice(0, 4)
      .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
      .join(':') + '::/64'
  );
}
