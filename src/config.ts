import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { loadEngineConfig, type EngineConfig } from './engines/asr/engine-config.js';

/**
 * Configuration comes only from the environment, is validated once at start-up,
 * and every problem is reported together with the variable that caused it.
 */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /**
   * Partial tus uploads (IRIS_TUS_DIR, default `<data dir>/uploads/tus`). With several
   * API processes it must be one directory they all see (a shared volume).
   */
  tusDir: string;
  databaseUrl: string;
  secret: string;
  publicUrl: string;
  redisUrl: string | undefined;
  /** IRIS_MQTT_URL (mqtt:, mqtts:, ws:, wss:): camera events and availability are announced there; IRIS_MQTT_PREFIX, default `iris`. */
  mqtt: { url: string; prefix: string } | undefined;
  storageUrl: string | undefined;
  queueUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  signup: 'open' | 'invite' | 'closed';
  metricsToken: string | undefined;
  logLevel: string;
  trustProxy: boolean;
  bodyLimitBytes: number;
  sessionTtlSeconds: number;
  /** scrypt cost; tests lower it, production keeps the default. */
  passwordCost: number;
  ssoEmailHeader: string | undefined;
  role: 'serve' | 'api' | 'worker';
  /** Speech-to-text, LLM and embedding engines (IRIS_ASR_*, IRIS_LLM_*, IRIS_EMBED_*); holds API keys: never log it. */
  engines: EngineConfig;
  /** OIDC login (IRIS_OIDC_*); undefined when no issuer is configured. Holds the client secret: never log it. */
  oidc: OidcConfig | undefined;
  /**
   * IRIS_WEBHOOKS_ALLOW_PRIVATE: let webhooks target loopback, private, link-local and
   * other internal addresses (a receiver on the same host or network). Off by default:
   * a webhook URL is chosen by workspace admins and must not reach the instance's network.
   */
  webhooksAllowPrivate: boolean;
  /** IRIS_HLS_ENABLED (default true) and IRIS_HLS_MAX_SESSIONS (default 4): spec 001's live HLS. */
  hls: { enabled: boolean; maxSessions: number };
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  scopes: string;
  /** Where the IdP sends the browser back; must be registered with the IdP. */
  redirectUrl: string;
  /** Create an account on first login with a verified email (otherwise only existing accounts may log in). */
  autoCreate: boolean;
  /** Button text for the dashboard. */
  label: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const str = (name: string, fallback: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? fallback : v.trim();
  };
  const optional = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, fallback: T, allowed: readonly T[]): T => {
    const v = str(name, fallback);
    if (!allowed.includes(v as T)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${v}")`);
      return fallback;
    }
    return v as T;
  };
  const url = (name: string, protocols: string[]) => {
    const v = optional(name);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) {
        problems.push(`${name} must use one of ${protocols.join(', ')} (got "${u.protocol}")`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return v;
  };

  // Engine variables are validated here too, so one start-up error lists every problem.
  let engines: EngineConfig | undefined;
  try {
    engines = loadEngineConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }

  const host = str('IRIS_HOST', '127.0.0.1');
  const port = int('IRIS_PORT', 8080, 0, 65535);
  const dataDir = path.resolve(str('IRIS_DATA_DIR', './data'));
  const databaseUrl =
    url('IRIS_DATABASE_URL', ['sqlite:', 'file:', 'postgres:', 'postgresql:']) ??
    `sqlite://${path.join(dataDir, 'iris.sqlite')}`;
  const config: Config = {
    host,
    port,
    dataDir,
    tusDir: path.resolve(str('IRIS_TUS_DIR', path.join(dataDir, 'uploads', 'tus'))),
    databaseUrl,
    secret: optional('IRIS_SECRET') ?? '',
    publicUrl: str('IRIS_PUBLIC_URL', `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(
      /\/+$/,
      '',
    ),
    redisUrl: url('IRIS_REDIS_URL', ['redis:', 'rediss:']),
    mqtt: mqttConfig(
      url('IRIS_MQTT_URL', ['mqtt:', 'mqtts:', 'ws:', 'wss:']),
      optional('IRIS_MQTT_PREFIX'),
      problems,
    ),
    storageUrl: url('IRIS_STORAGE_URL', ['file:', 's3:']),
    queueUrl: url('IRIS_QUEUE_URL', ['db:', 'redis:', 'rediss:']),
    smtpUrl: url('IRIS_SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: str('IRIS_MAIL_FROM', 'Iris <iris@localhost>'),
    signup: oneOf('IRIS_SIGNUP', 'open', ['open', 'invite', 'closed'] as const),
    metricsToken: optional('IRIS_METRICS_TOKEN'),
    logLevel: oneOf('IRIS_LOG_LEVEL', 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ] as const),
    trustProxy: oneOf('IRIS_TRUST_PROXY', 'false', ['true', 'false'] as const) === 'true',
    bodyLimitBytes: int('IRIS_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    sessionTtlSeconds: int('IRIS_SESSION_TTL_SECONDS', 7 * 24 * 3600, 60, 365 * 24 * 3600),
    passwordCost: int('IRIS_PASSWORD_COST', 15, 10, 20),
    ssoEmailHeader: optional('IRIS_SSO_EMAIL_HEADER')?.toLowerCase(),
    role: oneOf('IRIS_ROLE', 'serve', ['serve', 'api', 'worker'] as const),
    engines: engines!,
    oidc: undefined as OidcConfig | undefined,
    webhooksAllowPrivate:
      oneOf('IRIS_WEBHOOKS_ALLOW_PRIVATE', 'false', ['true', 'false'] as const) === 'true',
    hls: {
      enabled: oneOf('IRIS_HLS_ENABLED', 'true', ['true', 'false'] as const) === 'true',
      maxSessions: int('IRIS_HLS_MAX_SESSIONS', 4, 0, 64),
    },
  };
  const issuer = url('IRIS_OIDC_ISSUER', ['https:', 'http:']);
  if (issuer) {
    const clientId = optional('IRIS_OIDC_CLIENT_ID');
    if (!clientId) problems.push('IRIS_OIDC_CLIENT_ID is required when IRIS_OIDC_ISSUER is set');
    config.oidc = {
      issuer,
      clientId: clientId ?? '',
      clientSecret: optional('IRIS_OIDC_CLIENT_SECRET'),
      scopes: str('IRIS_OIDC_SCOPES', 'openid email profile'),
      redirectUrl:
        url('IRIS_OIDC_REDIRECT_URL', ['https:', 'http:']) ?? `${config.publicUrl}/api/v1/auth/oidc/callback`,
      autoCreate: oneOf('IRIS_OIDC_AUTO_CREATE', 'true', ['true', 'false'] as const) === 'true',
      label: str('IRIS_OIDC_LABEL', 'Single sign-on'),
    };
  }
  if (config.secret && config.secret.length < 32) problems.push('IRIS_SECRET must be at least 32 characters');
  if (problems.length) throw new ConfigError(problems);
  const merged = { ...config, ...overrides };
  // A data dir given in code (tests, embedding programs) brings its own tus dir along.
  if (overrides.dataDir && !overrides.tusDir && !env.IRIS_TUS_DIR) {
    merged.tusDir = path.join(overrides.dataDir, 'uploads', 'tus');
  }
  return merged;
}

/**
 * IRIS_SECRET signs sessions and URLs. When it is not given we generate one and keep
 * it in the data dir so restarts do not log everybody out.
 */
export function ensureSecret(config: Config): Config {
  if (config.secret) return config;
  mkdirSync(config.dataDir, { recursive: true });
  const file = path.join(config.dataDir, 'secret');
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process created it first; theirs wins.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return { ...config, secret: readFileSync(file, 'utf8').trim() };
}

function mqttConfig(url: string | undefined, prefix: string | undefined, problems: string[]): Config['mqtt'] {
  const p = prefix ?? 'iris';
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(p))
    problems.push('IRIS_MQTT_PREFIX must be topic levels of letters, digits, _ and - (no wildcards)');
  return url ? { url, prefix: p } : undefined;
}
