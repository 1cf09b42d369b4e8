/**
 * OpenStack error bodies into SkyportError. Each service has its own envelope:
 * - Nova and Cinder: `{"itemNotFound": {"message": "...", "code": 404}}` (the key names the fault);
 * - Neutron: `{"NeutronError": {"type": "SecurityGroupNotFound", "message": "...", "detail": ""}}`;
 * - Keystone: `{"error": {"code": 401, "title": "Unauthorized", "message": "..."}}`;
 * - Glance: an HTML or plain-text body (its JSON errors are rare), so the text is kept.
 * See https://docs.openstack.org/api-guide/compute/faults.html and the api-ref of each service.
 */
import { SkyportError, type ErrorCode } from '@skyport/model';

export interface OpenStackFault {
  /** The provider's own name for the failure (`itemNotFound`, `SecurityGroupInUse`, `Unauthorized`). */
  readonly providerCode: string | undefined;
  readonly message: string;
}

/** Reads the fault out of any of the services' error envelopes; falls back to the raw text. */
export function parseFault(status: number, text: string): OpenStackFault {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    const neutron = record['NeutronError'];
    if (typeof neutron === 'object' && neutron !== null) {
      const n = neutron as { type?: unknown; message?: unknown };
      return { providerCode: typeof n.type === 'string' ? n.type : undefined, message: String(n.message ?? text) };
    }
    const keystone = record['error'];
    if (typeof keystone === 'object' && keystone !== null) {
      const k = keystone as { title?: unknown; message?: unknown };
      return { providerCode: typeof k.title === 'string' ? k.title : undefined, message: String(k.message ?? text) };
    }
    // Nova/Cinder: one key naming the fault, holding {message, code}.
    const keys = Object.keys(record);
    const key = keys[0];
    if (keys.length === 1 && key !== undefined && typeof record[key] === 'object' && record[key] !== null) {
      const inner = record[key] as { message?: unknown };
      if (typeof inner.message === 'string') return { providerCode: key, message: inner.message };
    }
    if (typeof record['message'] === 'string') return { providerCode: undefined, message: record['message'] };
  }
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return { providerCode: undefined, message: plain === '' ? `HTTP ${status}` : plain.slice(0, 500) };
}

/** What a status means in general; a call may say what a 409 or 400 means for it. */
export interface FaultMeaning {
  /** Code for HTTP 409 here (default InvalidState: the resource's state forbids the action). */
  readonly conflict?: ErrorCode;
  /** Code for HTTP 400 here (default InvalidArgument). */
  readonly badRequest?: ErrorCode;
}

export interface FailedCall {
  readonly status: number;
  readonly text: string;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  /** `GET compute /servers/123`, for the message. */
  readonly call: string;
  /** What the call was about (`server 123`), for the message. */
  readonly what: string;
}

const QUOTA = /quota|limit exceeded|exceeded.*limit/i;

export function faultToError(failed: FailedCall, meaning: FaultMeaning = {}): SkyportError {
  const fault = parseFault(failed.status, failed.text);
  const base = { providerCode: fault.providerCode ?? `HTTP ${failed.status}`, ...(failed.requestId === undefined ? {} : { requestId: failed.requestId }) };
  const details = { status: failed.status, call: failed.call };
  const say = (code: ErrorCode, message: string, extra: { retryable?: boolean; retryAfterMs?: number } = {}) =>
    new SkyportError(code, message, { ...base, ...extra, details });
  const said = `OpenStack answered ${failed.status} to ${failed.call} (${failed.what}): ${fault.message.replace(/\.+$/, '')}`;
  const neutronExists = fault.providerCode !== undefined && /Exists$/.test(fault.providerCode);
  switch (failed.status) {
    case 400:
      return say(meaning.badRequest ?? 'InvalidArgument', said);
    case 401:
      return say('Unauthenticated', `${said}. Check the provider's credentials (password or application credential) and project`);
    case 403:
      return QUOTA.test(fault.message) ? say('QuotaExceeded', said) : say('Forbidden', `${said}. The OpenStack user lacks a role for this action`);
    case 404:
      return say('NotFound', said);
    case 409:
      return say(neutronExists ? 'AlreadyExists' : (meaning.conflict ?? 'InvalidState'), said);
    case 413:
    case 429:
      // Nova uses 413 for both rate limits (with Retry-After) and quotas (without).
      if (failed.retryAfterMs !== undefined || failed.status === 429) {
        return say('Throttled', `${said}; retry after ${Math.ceil((failed.retryAfterMs ?? 1000) / 1000)} s`, { retryable: true, retryAfterMs: failed.retryAfterMs ?? 1000 });
      }
      return say('QuotaExceeded', said);
    default:
      if (failed.status >= 500) return say('ProviderUnavailable', said, { retryable: failed.status !== 501 });
      return say('ProviderError', said);
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
