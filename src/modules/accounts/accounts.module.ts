import type { BlobStore } from '../../platform/storage/index.js';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { SessionTokens } from '../../platform/auth/tokens.js';
import type { DB } from '../../platform/db/schema.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { WorkspacesRepository } from '../workspaces/workspaces.repository.js';
import type { WorkspacesService } from '../workspaces/workspaces.service.js';
import { AccountEmailsService } from './account-emails.service.js';
import { AccountsRepository } from './accounts.repository.js';
import { AccountsService } from './accounts.service.js';
import { LoginThrottle } from './login-throttle.js';
import { OutboxRepository } from './outbox.repository.js';
import { OutboxService } from './outbox.service.js';
import { ProfileService } from './profile.service.js';
import { SessionIssuer } from './session-issuer.js';
import { ThrottleRepository } from './throttle.repository.js';

export interface AccountsModule {
  accounts: AccountsService;
  profile: ProfileService;
  emails: AccountEmailsService;
  outbox: OutboxService;
}

/** Wires the accounts module; the container calls this once. */
export function createAccountsModule(deps: {
  db: Kysely<DB>;
  config: Config;
  logger: Logger;
  tokens: SessionTokens;
  audit: AuditWriter;
  access: AccessService;
  mailer: Mailer;
  workspaces: WorkspacesService;
  workspacesRepo: WorkspacesRepository;
  /** Files of workspaces deleted with an account. */
  blobs: Pick<BlobStore, 'deletePrefix'>;
}): AccountsModule {
  const { db, config, audit } = deps;
  const repo = new AccountsRepository(db);
  const throttle = new LoginThrottle(new ThrottleRepository(db));
  const emails = new AccountEmailsService({
    repo,
    throttle,
    audit,
    mailer: deps.mailer,
    logger: deps.logger,
    publicUrl: config.publicUrl,
    passwordCost: config.passwordCost,
  });
  const accounts = new AccountsService({
    repo,
    workspacesRepo: deps.workspacesRepo,
    workspaces: deps.workspaces,
    emails,
    throttle,
    sessions: new SessionIssuer(deps.tokens, config.sessionTtlSeconds),
    audit,
    signup: config.signup,
    passwordCost: config.passwordCost,
  });
  const profile = new ProfileService({
    repo,
    workspacesRepo: deps.workspacesRepo,
    access: deps.access,
    throttle,
    audit,
    passwordCost: config.passwordCost,
    blobs: deps.blobs,
    logger: deps.logger.child({ module: 'accounts' }),
  });
  const outbox = new OutboxService(new OutboxRepository(db), audit);
  return { accounts, profile, emails, outbox };
}
