import type { Logger } from 'pino';
import { badRequest, conflict, unauthorized } from '../../errors.js';
import { hashPassword } from '../../platform/auth/passwords.js';
import type { Principal } from '../../platform/auth/principal.js';
import { generateOneTimeToken, sha256Hex } from '../../platform/auth/tokens.js';
import { codec } from '../../platform/db/codec.js';
import { newId } from '../../platform/ids.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import type { AuditWriter } from '../audit/audit.service.js';
import { resetPasswordMail, verifyEmailMail } from './account-mails.js';
import {
  publicUser,
  type AccountUser,
  type AccountsRepository,
  type EmailTokenPurpose,
} from './accounts.repository.js';
import { tooManyAttempts, type LoginThrottle } from './login-throttle.js';
import { sessionPrincipal } from './session-issuer.js';

const VERIFY_TTL_MS = 48 * 3600 * 1000;
const RESET_TTL_MS = 3600 * 1000;
/** At most one mail of a kind per user per minute, so nobody can mail-bomb an inbox. */
const MAIL_INTERVAL_MS = 60 * 1000;

export interface AccountEmailsDeps {
  repo: AccountsRepository;
  throttle: LoginThrottle;
  audit: AuditWriter;
  mailer: Mailer;
  logger: Logger;
  publicUrl: string;
  passwordCost: number;
}

/** The flows driven by a one-time token sent by email: verification and password reset. */
export class AccountEmailsService {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly d: AccountEmailsDeps) {}

  /**
   * Issues a fresh verification link (older ones stop working) and mails it after the
   * response: a slow or unreachable SMTP server must not hold up sign-up.
   */
  async sendVerification(user: Pick<AccountUser, 'id' | 'email' | 'name'>): Promise<void> {
    const token = await this.issue(user.id, 'verify_email', VERIFY_TTL_MS);
    this.background(
      this.d.mailer.send(verifyEmailMail(this.d.publicUrl, user.email, user.name, token)).then(() => {}),
      'verification mail',
    );
  }

  async verifyEmail(principal: Principal, token: string): Promise<AccountUser> {
    const now = codec.now();
    const userId = await this.d.repo.consumeEmailToken(sha256Hex(token), 'verify_email', now);
    const before = userId ? await this.d.repo.findById(userId) : undefined;
    if (!userId || !before) {
      throw badRequest(
        'This verification link is invalid, already used or expired; ask for a new one with POST /api/v1/auth/resend-verification.',
      );
    }
    await this.d.repo.markEmailVerified(userId, now);
    const after = publicUser((await this.d.repo.findById(userId))!);
    await this.d.audit.record(sessionPrincipal(after, undefined, principal), {
      workspaceId: after.default_workspace_id,
      action: 'auth.verify_email',
      target: { type: 'user', id: userId },
      before: publicUser(before),
      after,
    });
    return after;
  }

  async resendVerification(principal: Principal): Promise<void> {
    if (principal.kind !== 'user' || !principal.userId) throw unauthorized();
    const user = await this.d.repo.findById(principal.userId);
    if (!user) throw unauthorized();
    if (user.email_verified) throw conflict('Your email address is already verified.');
    const last = await this.d.repo.latestEmailTokenAt(user.id, 'verify_email');
    const now = new Date();
    if (last && now.getTime() - Date.parse(last) < MAIL_INTERVAL_MS) {
      const until = new Date(Date.parse(last) + MAIL_INTERVAL_MS).toISOString();
      throw tooManyAttempts(until, now, 'verification mails; one is allowed per minute');
    }
    await this.sendVerification(user);
    await this.d.audit.record(principal, {
      workspaceId: user.default_workspace_id,
      action: 'auth.resend_verification',
      target: { type: 'user', id: user.id },
    });
  }

  /**
   * Answers at once whatever the email: the lookup, token and mail happen after the
   * response, so neither the answer nor its timing tells whether an account exists.
   */
  requestPasswordReset(principal: Principal, email: string): void {
    this.background(this.sendReset(principal, email.trim().toLowerCase()), 'password reset mail');
  }

  async resetPassword(principal: Principal, token: string, password: string): Promise<AccountUser> {
    const hash = sha256Hex(token);
    const invalid = () =>
      badRequest(
        'This reset link is invalid, already used or expired; ask for a new one with POST /api/v1/auth/forgot-password.',
      );
    // Check before hashing, so bogus tokens cannot make the server burn CPU on scrypt.
    const now = codec.now();
    if (!(await this.d.repo.peekEmailToken(hash, 'reset_password', now))) throw invalid();
    const passwordHash = await hashPassword(password, this.d.passwordCost);
    const done = codec.now();
    const result = await this.d.repo.transaction(async (repo) => {
      const userId = await repo.consumeEmailToken(hash, 'reset_password', done);
      if (!userId) return undefined;
      const before = await repo.findById(userId);
      await repo.updateUser(userId, { password_hash: passwordHash });
      // Following the mailed link proved the address belongs to them.
      await repo.markEmailVerified(userId, done);
      await repo.invalidateEmailTokens(userId, 'reset_password', done);
      const revoked = await repo.revokeSessions(userId, done);
      return before && { before, revoked };
    });
    if (!result) throw invalid();
    const after = publicUser((await this.d.repo.findById(result.before.id))!);
    await this.d.throttle.clear([{ kind: 'email', value: after.email }]);
    await this.d.audit.record(sessionPrincipal(after, undefined, principal), {
      workspaceId: after.default_workspace_id,
      action: 'auth.reset_password',
      target: { type: 'user', id: after.id },
      before: { ...publicUser(result.before), password: '[changed]' },
      after: { ...after, sessions_revoked: result.revoked },
    });
    return after;
  }

  /** Resolves once background mail work has finished (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private background(work: Promise<void>, what: string): void {
    const tracked = work.catch((err: unknown) => this.d.logger.error({ err }, `${what} could not be sent`));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  private async sendReset(principal: Principal, email: string): Promise<void> {
    const user = await this.d.repo.findByEmail(email);
    if (!user || user.status !== 'active') return;
    const last = await this.d.repo.latestEmailTokenAt(user.id, 'reset_password');
    if (last && Date.now() - Date.parse(last) < MAIL_INTERVAL_MS) {
      this.d.logger.info({ userId: user.id }, 'password reset asked again within a minute; not re-sent');
      return;
    }
    const token = await this.issue(user.id, 'reset_password', RESET_TTL_MS);
    await this.d.mailer.send(resetPasswordMail(this.d.publicUrl, user.email, user.name, token));
    await this.d.audit.record(
      { ...principal, email },
      {
        workspaceId: user.default_workspace_id,
        action: 'auth.forgot_password',
        target: { type: 'user', id: user.id },
      },
    );
  }

  private async issue(userId: string, purpose: EmailTokenPurpose, ttlMs: number): Promise<string> {
    const { token, hash } = generateOneTimeToken();
    const now = new Date();
    await this.d.repo.transaction(async (repo) => {
      await repo.invalidateEmailTokens(userId, purpose, now.toISOString());
      await repo.insertEmailToken({
        id: newId('tok'),
        user_id: userId,
        purpose,
        token_hash: hash,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + ttlMs).toISOString(),
      });
    });
    return token;
  }
}
