import { AssertionError } from 'node:assert/strict';
import type { CloudDriver } from '@skyport/core';
import { isErrorCode, isSkyportError } from '@skyport/model';

/**
 * Wraps a driver so every error it throws is checked: the contract says drivers translate
 * provider errors at their edge and throw only SkyportError. A violation is both thrown (as an
 * assertion) and reported to `onViolation`, so a case that swallows errors during cleanup
 * still fails.
 */
export function guardDriver(driver: CloudDriver, onViolation: (message: string) => void): CloudDriver {
  const check = (method: string, error: unknown): unknown => {
    if (isSkyportError(error) && isErrorCode(error.code)) return error;
    const message = `${method} threw ${describeThrown(error)} instead of a SkyportError`;
    onViolation(message);
    return new AssertionError({ message });
  };
  return new Proxy(driver, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = String(property);
      return (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          // Called on the real driver so private fields and bound state keep working.
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw check(method, error);
        }
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            throw check(method, error);
          });
        }
        return result;
      };
    },
  });
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `a ${typeof error} (${String(error)})`;
}
