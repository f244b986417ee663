import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

/**
 * Where Iris announces what happens for home-automation style consumers (camera
 * events and availability; Home Assistant, Node-RED): an MQTT broker chosen from
 * IRIS_MQTT_URL at start-up, or nowhere. Publishing never blocks or throws into the
 * caller: the client queues while the broker is away and sends on reconnect.
 */
export interface MessageBroker {
  readonly prefix: string;
  publish(topic: string, payload: string, opts?: { retain?: boolean }): void;
  close(): Promise<void>;
}

export const noBroker: MessageBroker = {
  prefix: 'iris',
  publish: () => {},
  close: async () => {},
};

/**
 * Connects to the broker; `<prefix>/available` is retained `online` while this process
 * is connected and `offline` (the broker's last will) once it is gone.
 */
export function connectMqtt(
  url: string,
  opts: { prefix: string; clientId: string; logger: Logger },
): MessageBroker & { client: MqttClient } {
  const available = `${opts.prefix}/available`;
  const client = mqtt.connect(url, {
    clientId: opts.clientId,
    reconnectPeriod: 2_000,
    connectTimeout: 10_000,
    will: { topic: available, payload: Buffer.from('offline'), retain: true, qos: 1 },
  });
  let warned = false;
  client.on('connect', () => {
    warned = false;
    opts.logger.info({ broker: redactUrl(url) }, 'MQTT connected');
    client.publish(available, 'online', { retain: true, qos: 1 });
  });
  client.on('error', (err) => {
    if (!warned) opts.logger.warn({ err: err.message, broker: redactUrl(url) }, 'MQTT broker unavailable');
    warned = true;
  });
  return {
    client,
    prefix: opts.prefix,
    publish(topic, payload, p = {}) {
      client.publish(topic, payload, { qos: 1, retain: p.retain ?? false }, (err) => {
        if (err) opts.logger.warn({ err: err.message, topic }, 'MQTT publish failed');
      });
    },
    async close() {
      if (client.connected)
        await client.publishAsync(available, 'offline', { retain: true, qos: 1 }).catch(() => undefined);
      await client.endAsync();
    },
  };
}

/** The broker's address for logs: its credentials never are. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) u.username = '***';
    u.password = '';
    return u.toString();
  } catch {
    return 'mqtt://(unparsable)';
  }
}
