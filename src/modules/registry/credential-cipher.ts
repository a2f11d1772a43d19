import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppConfig } from '../../config/app-config.js';

/** A value sealed with AES-256-GCM; `keyVersion` names the key (a fingerprint, never the key). */
export interface Sealed {
  ciphertext: Buffer;
  iv: Buffer;
  authTag: Buffer;
  keyVersion: string;
}

export class DecryptionError extends Error {
  constructor(reason: string) {
    super(`cannot decrypt: ${reason}`);
  }
}

/** The version stored beside a sealed value: a short fingerprint of the key that sealed it. */
export function keyVersionOf(key: Buffer): string {
  return `k-${createHash('sha256').update('tenancy-key-version:').update(key).digest('hex').slice(0, 16)}`;
}

/**
 * AES-256-GCM with a key ring: seals under ENCRYPTION_KEY, opens under it or any key listed in
 * ENCRYPTION_KEY_PREVIOUS (so a rotation needs no downtime: deploy the new key with the old one
 * as previous, run `npm run keys:rotate`, then drop the old one). The additional data binds a
 * value to its place (tenant id + name): moved anywhere else, it fails authentication.
 */
@Injectable()
export class CredentialCipher {
  private readonly keys = new Map<string, Buffer>();
  readonly currentVersion: string;

  constructor(config: AppConfig) {
    this.currentVersion = keyVersionOf(config.encryptionKey);
    this.keys.set(this.currentVersion, config.encryptionKey);
    for (const key of config.encryptionKeysPrevious) {
      const version = keyVersionOf(key);
      if (!this.keys.has(version)) this.keys.set(version, key);
    }
  }

  seal(plaintext: Buffer | string, aad: string): Sealed {
    const key = this.keys.get(this.currentVersion)!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { ciphertext, iv, authTag: cipher.getAuthTag(), keyVersion: this.currentVersion };
  }

  open(sealed: Sealed, aad: string): Buffer {
    const key = this.keys.get(sealed.keyVersion);
    if (!key) throw new DecryptionError(`unknown key version ${sealed.keyVersion}`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(sealed.authTag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    } catch {
      // GCM authentication failed: tampered bytes, another key, or another place (AAD).
      throw new DecryptionError('authentication failed');
    }
  }

  /** iv ‖ tag ‖ ciphertext in one buffer, for single-column storage (idempotency answers). */
  sealToBytes(plaintext: Buffer | string, aad: string): { bytes: Buffer; keyVersion: string } {
    const s = this.seal(plaintext, aad);
    return { bytes: Buffer.concat([s.iv, s.authTag, s.ciphertext]), keyVersion: s.keyVersion };
  }

  openBytes(bytes: Buffer, keyVersion: string, aad: string): Buffer {
    if (bytes.length < 28) throw new DecryptionError('too short');
    return this.open(
      { iv: bytes.subarray(0, 12), authTag: bytes.subarray(12, 28), ciphertext: bytes.subarray(28), keyVersion },
      aad,
    );
  }
}

/** The additional data of an integration's credentials: its tenant and its name. */
export const integrationAad = (tenantId: string, name: string) =>
  `integration:v1:tenant=${tenantId.toLowerCase()}:name=${name}`;
