import type { EventPublisher } from '../../../platform/events/publisher.js';
import type { MessageBroker } from '../../../platform/mqtt/broker.js';
import type { CameraEvent } from './events.repository.js';
import { eventView } from './events.service.js';

/** An event began, ended, or its clip is in the library (sightings in between are not sent). */
export type EventChange = 'new' | 'end' | 'clip_ready';

/** What the vision module tells webhook subscribers about (webhookEvents). */
export const CAMERA_WEBHOOK_EVENTS = [
  { name: 'camera.event.started', description: 'A camera saw a trigger class: an event began.' },
  {
    name: 'camera.event.ended',
    description: 'A camera event ended (a presence, or a manual recording); its clip follows once it is cut.',
  },
  { name: 'camera.event.clip_ready', description: "A camera event's clip is in the library." },
] as const;

/**
 * Tells the world about camera events as they happen: the workspace's webhooks, and
 * the MQTT broker when one is set (IRIS_MQTT_URL), on topics an automation subscribes
 * to without parsing (Frigate's habit, ids instead of names so a rename breaks nothing):
 *   <prefix>/events                    every change, JSON {type, event}
 *   <prefix>/<camera_id>/<label>       the same, per camera and label (`iris/+/person`)
 *   <prefix>/<camera_id>/availability  `online` / `offline`, retained
 * Payloads are the API's event view: no storage keys, no camera URL.
 */
export class EventAnnouncer {
  private readonly availability = new Map<string, string>();

  constructor(private readonly d: { broker: MessageBroker; webhooks?: EventPublisher | undefined }) {}

  event(type: EventChange, e: CameraEvent, cameraName: string): void {
    const view = { ...eventView(e), camera_name: cameraName };
    const payload = JSON.stringify({ type, event: view });
    const p = this.d.broker.prefix;
    this.d.broker.publish(`${p}/events`, payload);
    this.d.broker.publish(`${p}/${e.camera_id}/${topicPart(e.label)}`, payload);
    const hook = type === 'new' ? 'started' : type === 'end' ? 'ended' : 'clip_ready';
    void this.d.webhooks?.publish(e.workspace_id, `camera.event.${hook}`, view).catch(() => undefined);
  }

  /** Retained, and only on a change: heartbeats come every second. */
  cameraState(cameraId: string, state: 'online' | 'offline'): void {
    if (this.availability.get(cameraId) === state) return;
    this.availability.set(cameraId, state);
    this.d.broker.publish(`${this.d.broker.prefix}/${cameraId}/availability`, state, { retain: true });
  }
}

/** MQTT wildcards and separators cannot be in a topic level. */
const topicPart = (s: string) => s.replace(/[#+/\s]/g, '_') || '_';
