/**
 * Proxmox VE answers failures with an HTTP status whose reason phrase is the message, and a
 * body `{"data": null, "message": "...", "errors": {"param": "why"}}` (`errors` for parameter
 * checks, `message` since PVE 6). Both become SkyportErrors here, the status as provider code.
 */
import { SkyportError, type ErrorCode } from '@skyport/model';

export interface PveFailure {
  readonly status: number;
  readonly reason: string;
  readonly message?: string;
  readonly errors?: Readonly<Record<string, string>>;
}

function classify(f: PveFailure, text: string): ErrorCode {
  if (f.status === 401) return 'Unauthenticated';
  if (f.status === 403) return 'Forbidden';
  if (f.status === 400) return 'InvalidArgument';
  if (f.status === 404) return 'NotFound';
  if (f.status === 501) return 'Unsupported';
  if (/does not exist|no such (vm|file|volume|storage)|not found|unable to find/i.test(text)) return 'NotFound';
  if (/already exists/i.test(text)) return 'AlreadyExists';
  if (/not running|already running|is running|is locked|can't lock|is a template|VM is not|not a template|got timeout/i.test(text)) return 'InvalidState';
  if (f.status === 429) return 'Throttled';
  if (f.status >= 502 || f.status === 595 || f.status === 596) return 'ProviderUnavailable';
  return 'ProviderError';
}

export function pveError(f: PveFailure, what: string): SkyportError {
  const message = (f.message ?? f.reason).trim();
  const fields = Object.entries(f.errors ?? {}).map(([k, v]) => `${k}: ${v.trim()}`);
  const text = fields.length > 0 ? `${message} (${fields.join('; ')})` : message;
  return new SkyportError(classify(f, text), `Proxmox ${what}: ${text}`, {
    providerCode: String(f.status),
    details: { status: f.status, ...(f.errors === undefined ? {} : { errors: f.errors }) },
  });
}

/** A task that ended with an exit status other than OK (or warnings). */
export function taskError(exitstatus: string, what: string, upid: string): SkyportError {
  return new SkyportError(classify({ status: 500, reason: exitstatus }, exitstatus), `Proxmox ${what} failed: ${exitstatus}`, { providerCode: 'TASK_FAILED', requestId: upid, details: { upid } });
}
