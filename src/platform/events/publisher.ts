/**
 * The event bus modules publish to: "this happened in that workspace". The webhooks
 * module implements it (it fans an event out to the workspace's subscriptions and
 * queues their deliveries); a module only sees this interface, through its deps.
 *
 * `type` is one of the names some module declares in its `webhookEvents`
 * (iris-module.ts); `data` is the event's JSON payload (ids, titles, states: never a
 * secret, a token or a storage key). publish never throws into the caller's path: a
 * failure to queue deliveries is logged by the implementation, and the caller's work
 * (a finished pipeline, a delete) carries on.
 */
export interface EventPublisher {
  publish(workspaceId: string, type: string, data: object): Promise<void>;
}

/** Publishes nowhere: the default where no bus is wired (tests of one module, tools). */
export const noEvents: EventPublisher = {
  publish: async () => {},
};
