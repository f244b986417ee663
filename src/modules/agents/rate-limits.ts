import type { FastifyInstance } from 'fastify';

/**
 * Spec 002's tiers (standard 60/min, pro 300/min) for every route of the agents API,
 * in a bucket of its own (see RATE_LIMIT_CLASSES), with the usual headers.
 */
export function useAgentRateLimits(app: Pick<FastifyInstance, 'addHook'>): void {
  app.addHook('onRoute', (route) => {
    route.config = {
      ...(route.config as object | undefined),
      rateLimitClass: 'agents',
    } as typeof route.config;
  });
}
