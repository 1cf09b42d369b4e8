import assert from 'node:assert/strict';
import { isSkyportError, type ErrorCode, type SkyportError } from '@skyport/model';

/**
 * Asserts that `action` rejects with a SkyportError carrying one of `codes`, and returns it so
 * the caller can look at details. `what` names the call in the failure message.
 */
export async function expectSkyportError(
  what: string,
  codes: ErrorCode | readonly ErrorCode[],
  action: () => Promise<unknown>,
): Promise<SkyportError> {
  const allowed: readonly ErrorCode[] = typeof codes === 'string' ? [codes] : codes;
  let result: unknown;
  try {
    result = await action();
  } catch (error) {
    assert.ok(isSkyportError(error), `${what} threw ${String(error)}, not a SkyportError`);
    assert.ok(
      allowed.includes(error.code),
      `${what} threw ${error.code} (${error.message}); expected ${allowed.join(' or ')}`,
    );
    return error;
  }
  assert.fail(`${what} succeeded (${JSON.stringify(result) ?? 'undefined'}); expected SkyportError ${allowed.join(' or ')}`);
}

/** A capability the driver does not declare must be refused with `Unsupported`, never half-done. */
export function expectUnsupported(what: string, action: () => Promise<unknown>): Promise<SkyportError> {
  return expectSkyportError(`${what} (not declared in capabilities)`, 'Unsupported', action);
}
