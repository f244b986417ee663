import { hostname } from 'node:os';
import { selectLanguageModel } from './engines/llm/select.js';
import { createAgentsModule, type AgentsModule } from './modules/agents/agents.module.js';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { openDatabase, type Database } from './platform/db/database.js';
import { migrateToLatest } from './platform/db/migrations/index.js';
import { AccessRepository } from './platform/auth/access.repository.js';
import { AccessService } from './platform/auth/access.js';
import { Authenticator } from './platform/auth/authenticator.js';
import { CredentialsRepository } from './platform/auth/credentials.repository.js';
import { SessionTokens } from './platform/auth/tokens.js';
import { Mailer } from './platform/mail/mailer.js';
import { AuditRepository } from './modules/audit/audit.repository.js';
import { AuditWriter } from './modules/audit/audit.service.js';
import { UsageRepository } from './modules/usage/usage.repository.js';
import { UsageService } from './modules/usage/usage.service.js';
import { WorkspacesRepository } from './modules/workspaces/workspaces.repository.js';
import { WorkspacesService } from './modules/workspaces/workspaces.service.js';
import { KeysRepository } from './modules/keys/keys.repository.js';
import { KeysService } from './modules/keys/keys.service.js';
import { createAccessAdmin } from './modules/access/access.module.js';
import type { AccessAdmin } from './modules/access/access.routes.js';
import { AuditQueryService } from './modules/audit/audit.query.service.js';
import { HealthService } from './modules/ops/health.service.js';
import { Metrics } from './modules/ops/metrics.js';
import { MetricsService } from './modules/ops/metrics.service.js';
import { MetricsTokenResolver } from './modules/ops/metrics-token.js';
import { StatusService } from './modules/ops/status.service.js';
import { VERSION } from './version.js';
import { createAccountsModule } from './modules/accounts/accounts.module.js';
import type { AccountsService } from './modules/accounts/accounts.service.js';
import type { AccountEmailsService } from './modules/accounts/account-emails.service.js';
import type { ProfileService } from './modules/accounts/profile.service.js';
import type { OutboxService } from './modules/accounts/outbox.service.js';
import { OidcService } from './modules/accounts/oidc.service.js';
import { createRateLimiter, type RateLimiter } from './platform/ratelimit/index.js';
import type { JobQueue } from './platform/queue/index.js';
import { queueFromConfig } from './platform/jobs/queue-from-config.js';
import { jobCatalogue, type CatalogueOptions, type JobFactory } from './platform/jobs/catalogue.js';
import type { MaintenanceSweep } from './platform/jobs/maintenance.js';
import { JobRegistrar } from './platform/jobs/workers.js';
import { createBlobStore, type BlobStore } from './platform/storage/index.js';
import { BlobLinksService } from './modules/blobs/blobs.service.js';
import { createRecordingsModule, type RecordingsModule } from './modules/recordings/recordings.module.js';
import { createSharingModule } from './modules/sharing/sharing.module.js';
import type { SharesService } from './modules/sharing/shares.service.js';
import type { PublicShareService } from './modules/sharing/public-share.service.js';
import { createSearchModule, type SearchModule } from './modules/search/search.module.js';
import { selectEmbedder } from './engines/embed/select.js';
import type { IrisModule } from './platform/modules/iris-module.js';
import { coreModules } from './modules/core.modules.js';
import { sharingModule } from './modules/sharing/sharing.module.js';
import { mcpModule } from './mcp/mcp.module.js';
import { webModule } from './modules/web/web.module.js';
import { createWebhooksModule, type WebhooksModule } from './modules/webhooks/webhooks.module.js';
import { createVisionModule, type VisionModule } from './modules/vision/vision.module.js';
import { connectMqtt, noBroker } from './platform/mqtt/broker.js';
import { selectDetector } from './engines/detect/select.js';
import type { EventPublisher } from './platform/events/publisher.js';

/**
 * Wires ports, repositories and services from config, once per process. Routes,
 * workers, the CLI and the MCP server all get their services from here.
 */
export interface Container {
  config: Config;
  logger: Logger;
  database: Database;
  tokens: SessionTokens;
  authenticator: Authenticator;
  access: AccessService;
  audit: AuditWriter;
  auditRepo: AuditRepository;
  mailer: Mailer;
  usage: UsageService;
  workspaces: WorkspacesService;
  workspacesRepo: WorkspacesRepository;
  keys: KeysService;
  /** RBAC administration: workspace users, groups and access policies (spec 003). */
  accessAdmin: AccessAdmin;
  /** Sign-up, login, sessions and the CLI's owner bootstrap. */
  accounts: AccountsService;
  /** The signed-in user's own account (GET/PATCH/DELETE /auth/me). */
  profile: ProfileService;
  /** Verification and password-reset mails. */
  accountEmails: AccountEmailsService;
  /** The instance admin's view of the mail outbox. */
  outbox: OutboxService;
  /** OIDC login (spec 003), when IRIS_OIDC_ISSUER is set. */
  oidc: OidcService;
  auditQuery: AuditQueryService;
  /** This instance's Prometheus registry; modules add their own metrics to it. */
  metrics: Metrics;
  metricsAccess: MetricsService;
  health: HealthService;
  status: StatusService;
  /** Per-workspace request limits; counters in Redis when IRIS_REDIS_URL is set. */
  rateLimiter: RateLimiter;
  /** Blob storage: local disk under the data dir by default, S3 for an s3:// IRIS_STORAGE_URL. */
  blobs: BlobStore;
  /** Serves the local store's signed URLs (GET /api/v1/blobs/:token). */
  blobLinks: BlobLinksService;
  /**
   * The job queue (database by default, BullMQ for a redis:// IRIS_QUEUE_URL) with every
   * job of the catalogue registered. Any process may enqueue; only `serve` and `worker`
   * processes start workers on it (see server.ts).
   */
  queue: JobQueue;
  /** What this process registered, with per-process run counts for /health. */
  jobs: JobRegistrar;
  /** Period of the self-rescheduling `maintenance.prune` job. */
  maintenanceIntervalMs: number;
  /** What the prune does for the modules (abandoned uploads, …), by name in its log line. */
  maintenanceSweeps: readonly MaintenanceSweep[];
  /** Recordings core: uploads (multipart, stub + PUT, tus), reading, video, delete, pipeline stages. */
  recordings: RecordingsModule;
  /** Public share links: share/unshare, and the unauthenticated share page and API. */
  sharing: { shares: SharesService; publicShares: PublicShareService };
  /** POST /search and the pipeline's `index` stage (full text; vectors with an embedder). */
  search: SearchModule;
  /** Agents that answer from the recordings (spec 002). */
  agents: AgentsModule;
  /** Workspace webhooks: subscriptions and their signed deliveries from the queue. */
  webhooks: WebhooksModule;
  /** Cameras and their workers (spec 001). */
  vision: VisionModule;
  /**
   * The event bus: `publish(workspaceId, type, data)` queues a delivery to every enabled
   * webhook of the workspace subscribed to `type` (a name some module declares in its
   * `webhookEvents`); it never throws into the caller's path.
   */
  events: EventPublisher;
  /**
   * Every module's contributions (iris-module.ts), in order: app.ts mounts their routes,
   * the MCP server their tools; their jobs, sweeps and metrics are registered here.
   */
  modules: readonly IrisModule[];
  close(): Promise<void>;
}

export interface ContainerOptions {
  /** Jobs registered next to the catalogue's (tests and embedding programs). */
  extraJobs?: JobFactory[];
  catalogue?: CatalogueOptions;
}

/** `destination` 2 (stderr) when stdout carries a protocol, as for `iris mcp`. */
export function createLogger(config: Config, destination?: 1 | 2): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.token',
        '*.plaintext',
        '*.secret',
        // Engine API keys (Config.engines.{asr.openai,llm,embed}.apiKey).
        '*.apiKey',
        '*.*.apiKey',
        '*.*.*.apiKey',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, pino.destination(destination)) : pino(options);
}

export async function createContainer(
  config: Config,
  logger: Logger = createLogger(config),
  options: ContainerOptions = {},
): Promise<Container> {
  const database = openDatabase(config.databaseUrl);
  await migrateToLatest(database);
  const { db } = database;

  const tokens = new SessionTokens(config.secret);
  const auditRepo = new AuditRepository(db, database.dialect);
  const audit = new AuditWriter(auditRepo, logger);
  const access = new AccessService(new AccessRepository(db), audit);
  const authenticator = new Authenticator(
    new CredentialsRepository(db),
    tokens,
    logger,
    config.ssoEmailHeader,
  );
  const mailer = new Mailer(db, logger, config.smtpUrl, config.mailFrom);
  const usage = new UsageService(new UsageRepository(db), logger);
  const workspacesRepo = new WorkspacesRepository(db);
  const blobs = createBlobStore({
    storageUrl: config.storageUrl,
    dataDir: config.dataDir,
    secret: config.secret,
    publicUrl: config.publicUrl,
  });
  await blobs.init();
  const limiterRef: { current?: RateLimiter } = {};
  const workspaces = new WorkspacesService({
    repo: workspacesRepo,
    access,
    audit,
    mailer,
    usage,
    blobs,
    logger: logger.child({ module: 'workspaces' }),
    publicUrl: config.publicUrl,
    // The limiter is made below; a change reaches it once it exists.
    rateLimitsChanged: (id) => limiterRef.current?.forget(id),
  });
  const accountsModule = createAccountsModule({
    db,
    config,
    logger,
    tokens,
    audit,
    access,
    mailer,
    workspaces,
    workspacesRepo,
    blobs,
  });

  const keys = new KeysService({ repo: new KeysRepository(db), workspaces: workspacesRepo, access, audit });
  const accessAdmin = createAccessAdmin({
    db,
    dialect: database.dialect,
    access,
    audit,
    mailer,
    workspaces: workspacesRepo,
    publicUrl: config.publicUrl,
    passwordCost: config.passwordCost,
  });

  const auditQuery = new AuditQueryService({ repo: auditRepo, access, audit });
  const metrics = new Metrics(VERSION);
  const metricsAccess = new MetricsService(metrics, access);
  if (config.metricsToken) authenticator.addResolver(new MetricsTokenResolver(config.metricsToken));
  const health = new HealthService(database, VERSION, logger);
  const status = new StatusService({ access, database, logger, version: VERSION, role: config.role });
  const rateLimiter = await createRateLimiter(config, logger, {
    access: new AccessRepository(db),
    workspaces: workspacesRepo,
    usage,
  });
  limiterRef.current = rateLimiter;

  const blobLinks = new BlobLinksService(blobs, config.secret);

  const queue = queueFromConfig(config, database, logger.child({ component: 'queue' }));
  const jobs = new JobRegistrar(queue);
  const jobDeps = { config, logger, database, queue, blobs };
  const catalogue = jobCatalogue(jobDeps, options.catalogue);
  jobs.register(catalogue.definitions);
  for (const factory of options.extraJobs ?? []) jobs.register(factory(jobDeps));

  // Before the modules that publish events; the event types are read from the module
  // list once it is complete.
  const webhooks = createWebhooksModule({
    db,
    access,
    audit,
    queue,
    logger,
    secret: config.secret,
    allowPrivate: config.webhooksAllowPrivate,
    eventTypes: () => modules.flatMap((m) => m.webhookEvents ?? []),
  });
  const sharing = createSharingModule({
    db,
    dialect: database.dialect,
    access,
    audit,
    blobs,
    publicUrl: config.publicUrl,
    apiPrefix: '/api/v1',
  });
  const recordings = createRecordingsModule({
    shares: sharing.shares,
    db,
    access,
    audit,
    usage,
    blobs,
    queue,
    logger,
    dataDir: config.dataDir,
    tusDir: config.tusDir,
    redisUrl: config.redisUrl,
    publicUrl: config.publicUrl,
    apiPrefix: '/api/v1', // app.ts's API_PREFIX (not imported: app.ts depends on this file)
    engines: config.engines,
    events: webhooks.events,
  });
  const search = createSearchModule({
    db,
    reader: database.reader,
    dialect: database.dialect,
    access,
    workspaces: workspacesRepo,
    recordings,
    logger,
    embedder: selectEmbedder(config.engines),
  });
  const agents = createAgentsModule({
    db,
    access,
    audit,
    search: search.service,
    transcripts: recordings.contextService,
    context: recordings.context,
    model: selectLanguageModel(config.engines),
    logger,
    usage,
    workspaces: workspacesRepo,
    secret: config.secret,
    allowPrivateTargets: config.webhooksAllowPrivate,
    events: webhooks.events,
  });
  const broker = config.mqtt
    ? connectMqtt(config.mqtt.url, {
        prefix: config.mqtt.prefix,
        clientId: `iris-${config.role}-${hostname()}-${process.pid}`,
        logger: logger.child({ component: 'mqtt' }),
      })
    : noBroker;
  const vision = createVisionModule({
    db,
    access,
    audit,
    logger,
    secret: config.secret,
    detector: selectDetector(),
    version: VERSION,
    blobs,
    library: recordings.library,
    dataDir: config.dataDir,
    hls: config.hls,
    broker,
    events: webhooks.events,
  });
  const publicShares = sharing.publicShares(recordings);
  const oidc = new OidcService({
    config: config.oidc,
    accounts: accountsModule.accounts,
    access,
    secret: config.secret,
    publicUrl: config.publicUrl,
    apiPrefix: '/api/v1',
    logger: logger.child({ module: 'oidc' }),
  });

  const modules: IrisModule[] = [];
  modules.push(
    ...coreModules({
      config,
      health,
      metricsAccess,
      status,
      workspaces,
      auditQuery,
      accounts: accountsModule.accounts,
      profile: accountsModule.profile,
      accountEmails: accountsModule.emails,
      outbox: accountsModule.outbox,
      oidc,
      keys,
      accessAdmin,
      blobLinks,
    }),
    recordings,
    sharingModule(sharing.shares, publicShares),
    search,
    agents,
    webhooks,
    vision,
    mcpModule({ modules }, { recordings, search, blobs, logger }),
    // Last: the dashboard's catch-all never shadows the routes above.
    webModule(),
  );
  for (const module of modules) {
    if (module.jobs) jobs.register(module.jobs);
    for (const sweep of module.sweeps ?? []) catalogue.addSweep(sweep);
    module.metrics?.(metrics.registry);
    await module.init?.();
  }

  return {
    config,
    logger,
    database,
    tokens,
    authenticator,
    access,
    audit,
    auditRepo,
    mailer,
    usage,
    workspaces,
    workspacesRepo,
    keys,
    accessAdmin,
    accounts: accountsModule.accounts,
    profile: accountsModule.profile,
    accountEmails: accountsModule.emails,
    outbox: accountsModule.outbox,
    oidc,
    auditQuery,
    metrics,
    metricsAccess,
    health,
    status,
    rateLimiter,
    blobs,
    blobLinks,
    queue,
    jobs,
    maintenanceIntervalMs: catalogue.maintenanceIntervalMs,
    maintenanceSweeps: catalogue.sweeps,
    recordings,
    sharing: { shares: sharing.shares, publicShares },
    search,
    agents,
    webhooks,
    vision,
    events: webhooks.events,
    modules,
    async close() {
      // First: running handlers may still use everything below.
      await queue.close();
      await rateLimiter.close();
      for (const module of [...modules].reverse()) await module.close?.();
      await broker.close();
      await usage.stop();
      // Reset mails are prepared after the response; let them finish first.
      await accountsModule.emails.idle();
      mailer.close();
      await blobs.close();
      await database.close();
    },
  };
}
