import { createClient, type SkyportClient } from '@skyport/client';
import { CSRF_COOKIE, readCookie } from './cookies.js';

/**
 * A client for the broker that served this page. Without a token it authenticates by the
 * session cookie the browser sends by itself, and repeats the CSRF cookie on every change.
 */
export function createPortalClient(token?: string): SkyportClient {
  const baseUrl = window.location.origin;
  if (token !== undefined) return createClient({ baseUrl, token });
  return createClient({ baseUrl, csrfToken: () => readCookie(CSRF_COOKIE) });
}
