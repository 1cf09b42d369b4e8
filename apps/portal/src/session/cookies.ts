/** The portal's cookies as the broker sets them at a password login (see docs/security.md). */
export const CSRF_COOKIE = 'skyport_csrf';

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The session cookie is HttpOnly (only the broker can end it); the CSRF value is dropped here. */
export function forgetCsrfCookie(): void {
  document.cookie = `${CSRF_COOKIE}=; Path=/; Max-Age=0; SameSite=Strict`;
}
