import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../../config/app-config.js';
import { CredentialCipher, DecryptionError, integrationAad, keyVersionOf } from './credential-cipher.js';

const cipherWith = (key: Buffer, previous: Buffer[] = []) =>
  new CredentialCipher({ encryptionKey: key, encryptionKeysPrevious: previous } as unknown as AppConfig);

describe('CredentialCipher (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const cipher = cipherWith(key);
  const tenantA = '11111111-1111-4111-8111-111111111111';
  const tenantB = '22222222-2222-4222-8222-222222222222';
  const secret = JSON.stringify({ apiKey: 'sk_live_secret' });

  it('round-trips and never shows the plaintext in the ciphertext', () => {
    const sealed = cipher.seal(secret, integrationAad(tenantA, 'stripe'));
    expect(sealed.keyVersion).toBe(keyVersionOf(key));
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.authTag).toHaveLength(16);
    expect(sealed.ciphertext.toString('latin1')).not.toContain('sk_live_secret');
    expect(cipher.open(sealed, integrationAad(tenantA, 'stripe')).toString()).toBe(secret);
  });

  it('uses a fresh IV every time', () => {
    const a = cipher.seal(secret, 'x');
    const b = cipher.seal(secret, 'x');
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it.each(['ciphertext', 'iv', 'authTag'] as const)('detects one flipped bit in the %s', (part) => {
    const sealed = cipher.seal(secret, integrationAad(tenantA, 'stripe'));
    const tampered = { ...sealed, [part]: Buffer.from(sealed[part]) };
    tampered[part][0] ^= 0x01;
    expect(() => cipher.open(tampered, integrationAad(tenantA, 'stripe'))).toThrow(DecryptionError);
  });

  it('refuses a value moved to another tenant or another name (AAD)', () => {
    const sealed = cipher.seal(secret, integrationAad(tenantA, 'stripe'));
    expect(() => cipher.open(sealed, integrationAad(tenantB, 'stripe'))).toThrow(DecryptionError);
    expect(() => cipher.open(sealed, integrationAad(tenantA, 'github'))).toThrow(DecryptionError);
  });

  it('opens values sealed under a previous key, seals under the current one, refuses unknown keys', () => {
    const old = randomBytes(32);
    const sealedOld = cipherWith(old).seal(secret, 'aad');
    const rotated = cipherWith(randomBytes(32), [old]);
    expect(rotated.open(sealedOld, 'aad').toString()).toBe(secret);
    expect(rotated.seal(secret, 'aad').keyVersion).not.toBe(sealedOld.keyVersion);
    expect(() => cipherWith(randomBytes(32)).open(sealedOld, 'aad')).toThrow(/unknown key version/);
  });

  it('seals to and opens from one buffer', () => {
    const { bytes, keyVersion } = cipher.sealToBytes(secret, 'idem');
    expect(cipher.openBytes(bytes, keyVersion, 'idem').toString()).toBe(secret);
    bytes[bytes.length - 1] ^= 0x80;
    expect(() => cipher.openBytes(bytes, keyVersion, 'idem')).toThrow(DecryptionError);
  });
});
