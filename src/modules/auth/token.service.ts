import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, createPrivateKey, createPublicKey, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { UnauthorizedError } from '../../common/errors.js';
import type { Principal } from '../../common/principal.js';
import { AppConfig } from '../../config/app-config.js';

/** Clock skew tolerated between instances for a token's `iat`. */
const IAT_LEEWAY_SECONDS = 30;
/** Access tokens remembered as verified, per instance (a few hundred bytes each). */
const VERIFIED_TOKENS_MAX = 10_000;

interface AccessClaims {
  sub: string;
  jti: string;
  scope: 'tenant' | 'platform';
  role: string;
  tid?: string;
  sd?: string;
  sid?: string;
}

/** Signs and verifies access tokens; makes opaque refresh tokens and their hashes. */
@Injectable()
export class TokenService {
  // Key objects made once: given a string, jsonwebtoken parses it on every call (and for a
  // secret first tries, and fails, to read it as a public key), which cost ~8% of a request's CPU.
  private readonly signingKey: KeyObject;
  private readonly verifyKeys: { secret?: KeyObject; byKid: Map<string, KeyObject> };
  /**
   * Tokens this instance has verified, by their exact text, with what they carry and when they
   * expire. A client sends the same token with every request until it expires, and verifying it
   * (decoding, the MAC or signature, the claims) was about a tenth of a lookup's CPU. Only a
   * token that passed every check is kept, the keys cannot change while the process runs, and a
   * hit is refused once the token's `exp` has passed, as jsonwebtoken would. Whether its user is
   * still active is not the token's business: the principal check asks on every request.
   */
  private readonly verified = new Map<string, { principal: Principal; exp: number }>();

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {
    const keys = config.jwt;
    if (keys.algorithm === 'HS256') {
      this.signingKey = createSecretKey(Buffer.from(keys.secret!));
      this.verifyKeys = { secret: this.signingKey, byKid: new Map() };
    } else {
      this.signingKey = createPrivateKey(keys.privateKey!);
      this.verifyKeys = { byKid: new Map(Object.entries(keys.publicKeys).map(([kid, pem]) => [kid, createPublicKey(pem)])) };
    }
  }

  get accessTtlSeconds(): number {
    return this.config.jwt.accessTtlSeconds;
  }

  signAccess(p: Omit<Principal, 'tokenId'>): string {
    const claims: AccessClaims = { sub: p.subject, jti: randomUUID(), scope: p.scope, role: p.role };
    // the session (refresh family), so a password change can end every session but this one
    if (p.sessionId) claims.sid = p.sessionId;
    if (p.scope === 'tenant') {
      claims.tid = p.tenantId;
      claims.sd = p.subdomain;
    }
    const keys = this.config.jwt;
    return this.jwt.sign(claims, {
      algorithm: keys.algorithm,
      ...(keys.algorithm === 'HS256'
        ? { secret: this.signingKey as unknown as string }
        : { privateKey: this.signingKey as unknown as string, keyid: keys.keyId }),
      issuer: this.config.jwt.issuer,
      audience: this.config.jwt.audience,
      expiresIn: this.config.jwt.accessTtlSeconds,
    });
  }

  /**
   * Verifies signature, algorithm, iss, aud and exp; anything else is 401 unauthorized. The only
   * algorithm accepted is the configured one (never `none`, never HS256 when keys are
   * asymmetric), and with asymmetric keys the header's `kid` picks the public key.
   */
  verifyAccess(token: string): Principal {
    const known = this.verified.get(token);
    if (known) {
      if (Math.floor(Date.now() / 1000) < known.exp) return { ...known.principal };
      this.verified.delete(token);
    }
    const { principal, exp } = this.verifyAccessToken(token);
    if (this.verified.size >= VERIFIED_TOKENS_MAX) this.verified.delete(this.verified.keys().next().value!); // the oldest
    this.verified.set(token, { principal, exp });
    return { ...principal };
  }

  private verifyAccessToken(token: string): { principal: Principal; exp: number } {
    const bad = () => new UnauthorizedError('The access token is missing, malformed, expired or not signed by us.');
    const keys = this.config.jwt;
    let header: { alg?: unknown; kid?: unknown; crit?: unknown } | undefined;
    try {
      header = (this.jwt.decode(token, { complete: true }) as { header?: typeof header } | null)?.header;
    } catch {
      throw bad();
    }
    if (!header || header.alg !== keys.algorithm) throw bad();
    // RFC 7515 §4.1.11: a `crit` header names extensions the verifier must understand; we
    // understand none, so any token carrying one is refused.
    if ('crit' in header) throw bad();
    // KeyObjects pass through @nestjs/jwt to jsonwebtoken, whose types only name strings
    let key: { secret: string } | { publicKey: string };
    if (keys.algorithm === 'HS256') {
      key = { secret: this.verifyKeys.secret as unknown as string };
    } else {
      const publicKey = typeof header.kid === 'string' ? this.verifyKeys.byKid.get(header.kid) : undefined;
      if (!publicKey) throw bad();
      key = { publicKey: publicKey as unknown as string };
    }
    let claims: AccessClaims & { exp?: number; iat?: number };
    try {
      claims = this.jwt.verify(token, {
        algorithms: [keys.algorithm],
        ...key,
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
      });
    } catch {
      throw bad();
    }
    // jsonwebtoken refuses an `nbf` still in the future; it does not look at `iat`. A token
    // issued more than IAT_LEEWAY_SECONDS in the future was not made by a clock we trust.
    if (typeof claims.iat !== 'number' || claims.iat > Date.now() / 1000 + IAT_LEEWAY_SECONDS) throw bad();
    const valid =
      typeof claims.sub === 'string' &&
      typeof claims.jti === 'string' &&
      typeof claims.exp === 'number' &&
      typeof claims.role === 'string' &&
      (claims.scope === 'platform' || (claims.scope === 'tenant' && typeof claims.tid === 'string'));
    if (!valid) throw new UnauthorizedError('The access token lacks required claims.');
    const principal: Principal = {
      scope: claims.scope,
      subject: claims.sub,
      tenantId: claims.scope === 'tenant' ? claims.tid : undefined,
      subdomain: claims.scope === 'tenant' ? claims.sd : undefined,
      role: claims.role,
      tokenId: claims.jti,
      sessionId: typeof claims.sid === 'string' ? claims.sid : undefined,
    };
    return { principal, exp: claims.exp! };
  }

  /** A new opaque refresh or reset token (256 random bits) and the hash that is stored. */
  newRefreshToken(prefix = ''): { token: string; hash: string } {
    const token = `${prefix}${randomBytes(32).toString('base64url')}`;
    return { token, hash: this.hashRefreshToken(token) };
  }

  hashRefreshToken(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}
