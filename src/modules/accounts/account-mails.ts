import type { OutgoingMail } from '../../platform/mail/mailer.js';

/**
 * The texts of account mails. Each carries the web link and the equivalent API call,
 * so people without the dashboard (curl, CLI) can finish the flow too.
 */
export function verifyEmailMail(publicUrl: string, to: string, name: string, token: string): OutgoingMail {
  return {
    to,
    purpose: 'verify_email',
    subject: 'Confirm your email address for Iris',
    text: [
      `Hello ${name},`,
      '',
      'Please confirm that this is your email address:',
      `${publicUrl}/verify-email?token=${token}`,
      '',
      'Or with the API:',
      `curl -X POST ${publicUrl}/api/v1/auth/verify-email -H 'content-type: application/json' -d '{"token":"${token}"}'`,
      '',
      'The link works once and expires in 48 hours. If you did not sign up for Iris, ignore this mail.',
    ].join('\n'),
  };
}

export function resetPasswordMail(publicUrl: string, to: string, name: string, token: string): OutgoingMail {
  return {
    to,
    purpose: 'reset_password',
    subject: 'Reset your Iris password',
    text: [
      `Hello ${name},`,
      '',
      'Someone (hopefully you) asked to reset the password of your Iris account. Choose a new one here:',
      `${publicUrl}/reset-password?token=${token}`,
      '',
      'Or with the API:',
      `curl -X POST ${publicUrl}/api/v1/auth/reset-password -H 'content-type: application/json' -d '{"token":"${token}","password":"<new password>"}'`,
      '',
      'The link works once and expires in 1 hour. Resetting signs you out everywhere.',
      'If you did not ask for this, ignore this mail; your password stays as it is.',
    ].join('\n'),
  };
}
