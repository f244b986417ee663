import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventAnnouncer } from '../../src/modules/vision/events/event-announcer.js';
import { connectMqtt } from '../../src/platform/mqtt/broker.js';
import { newId } from '../../src/platform/ids.js';

/**
 * Camera events over a real MQTT broker (Mosquitto, IRIS_TEST_MQTT_URL): the topics an
 * automation subscribes to, payloads without storage keys, camera availability retained
 * for a subscriber that comes later, and the process's last will when it dies.
 */
const URL = process.env.IRIS_TEST_MQTT_URL;
if (!URL) console.warn('[iris tests] IRIS_TEST_MQTT_URL is not set: MQTT suites are skipped.');
const logger = pino({ level: 'silent' });

describe.runIf(URL)('MQTT announcements', () => {
  const prefix = `iris-test-${newId('t').slice(-10)}`;
  let listener: mqtt.MqttClient;
  const got: Array<{ topic: string; payload: string; retain: boolean }> = [];

  beforeAll(async () => {
    listener = await mqtt.connectAsync(URL!);
    listener.on('message', (topic, payload, packet) =>
      got.push({ topic, payload: payload.toString(), retain: packet.retain }),
    );
    await listener.subscribeAsync(`${prefix}/#`, { qos: 1 });
  });
  afterAll(async () => {
    // Leave no retained messages behind on a shared broker.
    const topics = [`${prefix}/available`, `${prefix}/cam_1/availability`];
    for (const topic of topics) await listener.publishAsync(topic, '', { retain: true });
    await listener?.endAsync();
  });
  const until = async (pred: () => boolean, what: string) => {
    for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(pred(), what).toBe(true);
  };

  it('publishes events per camera and label, availability retained, and offline as its will', async () => {
    const broker = connectMqtt(URL!, { prefix, clientId: `iris-test-${process.pid}`, logger });
    await until(() => got.some((m) => m.topic === `${prefix}/available` && m.payload === 'online'), 'online');
    const announcer = new EventAnnouncer({ broker });
    const now = new Date().toISOString();
    announcer.event(
      'new',
      {
        id: 'evt_1',
        workspace_id: 'ws_1',
        camera_id: 'cam_1',
        kind: 'track',
        label: 'person',
        score: 0.8,
        labels: ['person'],
        started_at: now,
        ended_at: null,
        thumbnail_key: 'ws/ws_1/cam/cam_1/events/evt_1/thumbnail.jpg',
        clip_key: null,
        person_id: null,
        person_name: null,
        created_at: now,
        recording_id: null,
        clip_due_at: null,
      },
      'Front door',
    );
    announcer.cameraState('cam_1', 'online');
    announcer.cameraState('cam_1', 'online');
    await until(() => got.some((m) => m.topic === `${prefix}/cam_1/person`), 'per camera and label');
    const msg = got.find((m) => m.topic === `${prefix}/cam_1/person`)!;
    expect(JSON.parse(msg.payload)).toMatchObject({
      type: 'new',
      event: { id: 'evt_1', camera_name: 'Front door', label: 'person', has_thumbnail: true },
    });
    expect(msg.payload).not.toContain('thumbnail.jpg');
    expect(got.some((m) => m.topic === `${prefix}/events`)).toBe(true);
    await until(() => got.some((m) => m.topic === `${prefix}/cam_1/availability`), 'availability');
    // Announced once per change, not per heartbeat.
    expect(got.filter((m) => m.topic === `${prefix}/cam_1/availability`)).toHaveLength(1);

    // A subscriber that comes later still learns the camera's state.
    const late = await mqtt.connectAsync(URL!);
    const retained = new Promise<string>((resolve) =>
      late.on('message', (topic, payload) => topic.endsWith('/availability') && resolve(payload.toString())),
    );
    await late.subscribeAsync(`${prefix}/cam_1/availability`);
    expect(await retained).toBe('online');
    await late.endAsync();

    // The process dies without saying goodbye: the broker sends its will.
    got.length = 0;
    broker.client.stream.destroy();
    await until(() => got.some((m) => m.topic === `${prefix}/available` && m.payload === 'offline'), 'will');
    await broker.client.endAsync(true);
  }, 30_000);
});
