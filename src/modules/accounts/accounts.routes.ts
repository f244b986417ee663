import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { AccountEmailsService } from './account-emails.service.js';
import type { AccountsService } from './accounts.service.js';
import type { ProfileService } from './profile.service.js';
import {
  Accepted,
  DeleteMeBody,
  ForgotPasswordBody,
  LoginBody,
  MeResponse,
  ResetPasswordBody,
  SessionResponse,
  SignupBody,
  SignupResponse,
  UpdateMeBody,
  UserEnvelope,
  VerifyEmailBody,
} from './accounts.schemas.js';

const tags = ['auth'];
/** Routes anyone may call: a stale token sent along must not turn them into 401s. */
const publicRoute = { tags, security: [] };

export interface AccountsRouteDeps {
  accounts: AccountsService;
  profile: ProfileService;
  emails: AccountEmailsService;
}

export const accountsRoutes: FastifyPluginAsyncTypebox<AccountsRouteDeps> = async (
  app,
  { accounts, profile, emails },
) => {
  // Throttled answers tell the client when to come back.
  app.addHook('onError', async (_req, reply, err) => {
    const wait = err instanceof AppError ? err.details?.retry_after_seconds : undefined;
    if (typeof wait === 'number') reply.header('retry-after', String(wait));
  });

  app.post(
    '/auth/signup',
    {
      schema: {
        ...publicRoute,
        summary: 'Create an account with a personal workspace, and sign in',
        description:
          'Sends a verification email. The first account of a fresh instance becomes instance admin. ' +
          'With `invite_token` (from an invitation email to the same address) the account also joins ' +
          'that workspace and the email counts as verified. IRIS_SIGNUP=invite requires one; =closed refuses.',
        body: SignupBody,
        response: { 201: SignupResponse, ...errorResponses(400, 403, 409, 429) },
      },
    },
    async (req, reply) => reply.status(201).send(await accounts.signup(req.principal, req.body)),
  );

  app.post(
    '/auth/login',
    {
      schema: {
        ...publicRoute,
        summary: 'Sign in with email and password; returns a session token',
        description:
          'Repeated failures lock the email (and the client IP) for a while that doubles each time: 429 with Retry-After.',
        body: LoginBody,
        response: { 200: SessionResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (req) => accounts.login(req.principal, req.body),
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags,
        summary: 'End the session this request uses',
        response: { 204: Type.Null(), ...errorResponses(400, 401) },
      },
    },
    async (req, reply) => {
      await accounts.logout(req.principal);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/forgot-password',
    {
      schema: {
        ...publicRoute,
        summary: 'Email a password reset link',
        description: 'Always 202, whether or not the address has an account.',
        body: ForgotPasswordBody,
        response: { 202: Accepted, ...errorResponses(400) },
      },
    },
    async (req, reply) => {
      emails.requestPasswordReset(req.principal, req.body.email);
      return reply.status(202).send({
        message: 'If an account exists for this address, a link to reset its password is on its way.',
      });
    },
  );

  app.post(
    '/auth/reset-password',
    {
      schema: {
        ...publicRoute,
        summary: 'Set a new password with the emailed token',
        description: 'The token works once, for one hour. Every session of the account is ended.',
        body: ResetPasswordBody,
        response: { 200: UserEnvelope, ...errorResponses(400) },
      },
    },
    async (req) => ({ user: await emails.resetPassword(req.principal, req.body.token, req.body.password) }),
  );

  app.post(
    '/auth/verify-email',
    {
      schema: {
        ...publicRoute,
        summary: 'Confirm the email address with the emailed token',
        body: VerifyEmailBody,
        response: { 200: UserEnvelope, ...errorResponses(400) },
      },
    },
    async (req) => ({ user: await emails.verifyEmail(req.principal, req.body.token) }),
  );

  app.post(
    '/auth/resend-verification',
    {
      schema: {
        tags,
        summary: 'Send a new verification email (at most one a minute)',
        response: { 202: Accepted, ...errorResponses(401, 409, 429) },
      },
    },
    async (req, reply) => {
      await emails.resendVerification(req.principal);
      return reply.status(202).send({ message: 'A new verification link is on its way.' });
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags,
        summary: 'You, your workspaces with your permissions there, and the credential in use',
        response: { 200: MeResponse, ...errorResponses(401) },
      },
    },
    async (req) => profile.me(req.principal),
  );

  app.patch(
    '/auth/me',
    {
      schema: {
        tags,
        summary: 'Change your name, default workspace or password',
        description:
          'Needs a session (not an API key). A new password needs `current_password` and ends your other sessions.',
        body: UpdateMeBody,
        response: { 200: MeResponse, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => profile.update(req.principal, req.body),
  );

  app.delete(
    '/auth/me',
    {
      schema: {
        tags,
        summary: 'Delete your account',
        description:
          'Needs a session and your password. Workspaces where you are the only member are deleted too; ' +
          'if you are the last owner of a workspace others use, transfer ownership first (409).',
        body: DeleteMeBody,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (req, reply) => {
      await profile.delete(req.principal, req.body.password);
      return reply.status(204).send(null);
    },
  );
};
