/** Who is calling, from a verified access token. Set on the request by the request pipeline. */
export interface Principal {
  scope: 'tenant' | 'platform';
  /** user id (tenant scope) or platform admin id (platform scope) */
  subject: string;
  /** tenant id; tenant scope only */
  tenantId?: string;
  subdomain?: string;
  role: string;
  /** the token's jti */
  tokenId: string;
  /** the refresh-token family (login session) the token was issued with (`sid`), when it has one */
  sessionId?: string;
}
