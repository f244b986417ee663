import type { OutgoingMail } from '../../platform/mail/mailer.js';

/**
 * Mails sent by workspace administrators' actions. Password links use the accounts
 * module's `reset_password` token, so one `/auth/reset-password` endpoint serves all.
 */
export const SETUP_TTL_MS = 7 * 24 * 3600 * 1000;
export const RESET_TTL_MS = 3600 * 1000;

const resetLines = (publicUrl: string, token: string) => [
  `${publicUrl}/reset-password?token=${token}`,
  '',
  'Or with the API:',
  `curl -X POST ${publicUrl}/api/v1/auth/reset-password -H 'content-type: application/json' -d '{"token":"${token}","password":"<new password>"}'`,
];

export function accountSetupMail(
  publicUrl: string,
  to: { email: string; name: string },
  by: string,
  workspace: string,
  token: string,
): OutgoingMail {
  return {
    to: to.email,
    purpose: 'reset_password',
    subject: `An Iris account was created for you in ${workspace}`,
    text: [
      `Hello ${to.name},`,
      '',
      `${by} created an Iris account for you and added it to the workspace "${workspace}".`,
      'Choose your password here:',
      ...resetLines(publicUrl, token),
      '',
      'The link works once and expires in 7 days.',
    ].join('\n'),
  };
}

export function adminResetMail(
  publicUrl: string,
  to: { email: string; name: string },
  by: string,
  token: string,
): OutgoingMail {
  return {
    to: to.email,
    purpose: 'reset_password',
    subject: 'Reset your Iris password',
    text: [
      `Hello ${to.name},`,
      '',
      `${by}, an administrator of one of your Iris workspaces, asked for your password to be reset.`,
      'Choose a new one here:',
      ...resetLines(publicUrl, token),
      '',
      'The link works once and expires in 1 hour. Resetting signs you out everywhere.',
      'Until you use it, your current password keeps working.',
    ].join('\n'),
  };
}

export function addedToWorkspaceMail(
  to: { email: string; name: string },
  by: string,
  workspace: string,
  role: string,
): OutgoingMail {
  return {
    to: to.email,
    purpose: 'workspace_added',
    subject: `You were added to ${workspace} on Iris`,
    text: [
      `Hello ${to.name},`,
      '',
      `${by} added you to the workspace "${workspace}" as ${role}. Sign in with your existing account to use it.`,
    ].join('\n'),
  };
}
