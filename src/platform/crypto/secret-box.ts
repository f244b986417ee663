import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** What a key is for: keys derived for one purpose open nothing sealed for another. */
export interface SecretPurpose {
  salt: string;
  info: string;
}

export const WEBHOOK_SECRETS: SecretPurpose = { salt: 'iris/webhooks', info: 'webhook signing secrets v1' };
export const PLUGIN_HEADERS: SecretPurpose = { salt: 'iris/agents', info: 'agent plugin headers v1' };
export const CAMERA_URLS: SecretPurpose = { salt: 'iris/vision', info: 'camera rtsp urls v1' };

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts secrets Iris must use again (webhook signing secrets, plugin credentials) at
 * rest; unlike API keys they cannot be stored as hashes. AES-256-GCM under a key derived
 * (HKDF-SHA256) from the instance secret and the purpose, with the owning row's id as
 * associated data, so a ciphertext only opens for the row it was written for and for
 * its purpose. Stored as `v1.<base64url of iv | tag | ciphertext>`.
 */
export class SecretBox {
  private readonly key: Buffer;

  /** The default purpose is the webhooks' (its key predates the others). */
  constructor(instanceSecret: string, purpose: SecretPurpose = WEBHOOK_SECRETS) {
    if (!instanceSecret) throw new Error('SecretBox needs the instance secret.');
    this.key = Buffer.from(hkdfSync('sha256', instanceSecret, purpose.salt, purpose.info, 32));
  }

  seal(plaintext: string, ownerId: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(ownerId));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** Throws when the ciphertext was not made by this instance secret for this owner. */
  open(sealed: string, ownerId: string): string {
    const [version, data] = sealed.split('.', 2);
    if (version !== VERSION || !data) throw new Error('Unknown sealed secret format.');
    const raw = Buffer.from(data, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('Truncated sealed secret.');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(ownerId));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  }
}
