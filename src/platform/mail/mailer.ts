import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { codec } from '../db/codec.js';
import type { DB } from '../db/schema.js';
import { newId } from '../ids.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** What the mail is for (verify_email, reset_password, invite…), for the outbox view. */
  purpose: string;
}

/**
 * Every mail is written to the outbox first, so nothing is ever dropped. With
 * IRIS_SMTP_URL it is then sent over SMTP and marked sent/failed; without it the
 * row stays `kept` for the instance owner to read via the API, and it is logged.
 */
export class Mailer {
  private readonly transport: Transporter | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly logger: Logger,
    smtpUrl: string | undefined,
    private readonly from: string,
  ) {
    this.transport = smtpUrl ? nodemailer.createTransport(smtpUrl) : undefined;
  }

  get mode(): 'smtp' | 'outbox' {
    return this.transport ? 'smtp' : 'outbox';
  }

  async send(mail: OutgoingMail): Promise<{ id: string; status: 'sent' | 'kept' | 'failed' }> {
    const id = newId('mail');
    await this.db
      .insertInto('mail_outbox')
      .values({
        id,
        to_address: mail.to,
        subject: mail.subject,
        text_body: mail.text,
        purpose: mail.purpose,
        status: this.transport ? 'sending' : 'kept',
        transport: this.mode,
        created_at: codec.now(),
      })
      .execute();
    if (!this.transport) {
      // Logged without the body: it holds one-time tokens.
      this.logger.info(
        { mailId: id, to: mail.to, purpose: mail.purpose },
        'mail kept in the outbox (no IRIS_SMTP_URL)',
      );
      return { id, status: 'kept' };
    }
    try {
      await this.transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text });
      await this.db
        .updateTable('mail_outbox')
        .set({ status: 'sent', sent_at: codec.now() })
        .where('id', '=', id)
        .execute();
      return { id, status: 'sent' };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.logger.error(
        { mailId: id, to: mail.to, err: message },
        'mail delivery failed; kept in the outbox',
      );
      await this.db
        .updateTable('mail_outbox')
        .set({ status: 'failed', error: message.slice(0, 500) })
        .where('id', '=', id)
        .execute();
      return { id, status: 'failed' };
    }
  }

  close(): void {
    this.transport?.close();
  }
}
