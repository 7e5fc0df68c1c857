import { sign, type KeyObject } from 'node:crypto';

/**
 * A GitHub App's JWT (integrations.md §4.1): RS256 over `{iat, exp, iss}`, signed with the App's
 * private key, valid for at most 10 minutes. `iat` is back-dated 60 s against clock drift, as GitHub
 * recommends. Signed with node:crypto (PKCS#1 v1.5 + SHA-256 is RS256), so the worker needs no JWT library.
 */
export function signAppJwt(appId: string, privateKey: KeyObject, now: number = Date.now(), lifetimeSec = 540): string {
  const seconds = Math.floor(now / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(JSON.stringify({ iat: seconds - 60, exp: seconds + Math.min(lifetimeSec, 600 - 60), iss: appId }));
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), privateKey).toString('base64url');
  return `${header}.${claims}.${signature}`;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** An installation token and when GitHub says it expires. */
export interface InstallationToken {
  token: string;
  expiresAt: number;
}

/**
 * Keeps one installation token and mints a new one (through `mint`) when it is missing, expires
 * within `refreshMarginMs`, or GitHub refused it. Concurrent callers share one mint.
 */
export class InstallationTokenCache {
  #current: InstallationToken | undefined;
  #pending: Promise<InstallationToken> | undefined;

  constructor(
    private readonly mint: () => Promise<InstallationToken>,
    private readonly refreshMarginMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token valid for at least the refresh margin. */
  async get(): Promise<string> {
    const current = this.#current;
    if (current && current.expiresAt - this.now() > this.refreshMarginMs) return current.token;
    return (await this.#refresh()).token;
  }

  /** Forgets `token` (GitHub answered 401 to it) so the next `get` mints a new one. */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  /** When the cached token expires (ms since the epoch), for health output; undefined before the first mint. */
  get expiresAt(): number | undefined {
    return this.#current?.expiresAt;
  }

  #refresh(): Promise<InstallationToken> {
    if (!this.#pending) {
      this.#pending = this.mint().then(
        (token) => {
          this.#current = token;
          this.#pending = undefined;
          return token;
        },
        (error: unknown) => {
          this.#pending = undefined;
          throw error;
        },
      );
    }
    return this.#pending;
  }
}
