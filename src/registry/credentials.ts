/** Registry credentials, looked up by the user-facing registry host ("docker.io", "quay.io"). */

export interface Credential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (docker login with an identity provider). */
  identityToken?: string;
}

/** host -> credential, or undefined for anonymous access. */
export type CredentialLookup = (host: string) => Promise<Credential | undefined>;

export const anonymous: CredentialLookup = async () => undefined;
