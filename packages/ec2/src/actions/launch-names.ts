/**
 * EC2 resources have no names, Skyport's do. A create takes its name from the `Name` tag
 * (made to fit Skyport's name rules), or derives one; derived names come from the ClientToken
 * when there is one, so a retried request is the same request to the broker's idempotency.
 */
import { Ec2Error } from '../protocol/ec2-error.js';
import type { QueryParams } from '../protocol/query-params.js';

/** Skyport's name rule (the core's `requireName`): a letter or digit, then letters, digits, `.`, `_`, `-`. */
const NAME_CHARS = /[^A-Za-z0-9._-]+/g;
const MAX_NAME = 128;

export function derivedName(nameTag: string | undefined, prefix: string, suffix: string): string {
  const cleaned = (nameTag ?? '').replace(NAME_CHARS, '-').replace(/^[._-]+/, '').slice(0, MAX_NAME);
  return cleaned === '' ? `${prefix}-${suffix}` : cleaned;
}

/** ClientToken: up to 64 printable ASCII characters, as EC2 allows. */
export function readClientToken(params: QueryParams): string | undefined {
  const token = params.string('ClientToken');
  if (token === undefined || token === '') return undefined;
  if (token.length > 64 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new Ec2Error('InvalidParameterValue', 'ClientToken must be 1-64 printable ASCII characters without spaces');
  }
  return token;
}
