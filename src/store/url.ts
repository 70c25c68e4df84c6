/** Store URLs as they may be shown: never with their password. */

/** `url` with any password replaced by `***` (also in a string that does not parse as a URL). */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href.replace(/\/$/, '');
  } catch {
    // user:password@ or :password@ before the host.
    return url.replace(/^([^:/]*:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
  }
}

/** The schemes of a Redis URL: plain, and TLS. */
export const STORE_SCHEMES = ['redis:', 'rediss:'] as const;
