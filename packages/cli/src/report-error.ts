/**
 * The one place an error becomes what the user reads: `skyport: <message>`, maybe a
 * `details` line, and an exit code (1 for the broker's refusals, 2 for usage). Expected
 * errors never show a stack trace; only a bug in the CLI itself does, to be reported.
 */
import { CommanderError } from 'commander';
import { isSkyportError, type SkyportError } from '@skyport/model';
import type { Connection } from './connection.js';
import { formatDetailValue } from './format.js';
import { CliFailure, UsageError } from './options.js';
import type { Output } from './output.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Detail keys worth a user's attention, in the order shown, with their labels. */
const DETAIL_LABELS: readonly (readonly [key: string, label: string])[] = [
  ['field', 'field'],
  ['value', 'value'],
  ['allowed', 'allowed'],
  ['min', 'min'],
  ['max', 'max'],
  ['currentState', 'current state'],
  ['allowedStates', 'allowed states'],
  ['wantedStates', 'waited for'],
];

export function reportError(error: unknown, out: Output, connection: Connection | undefined): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message already (through outputError).
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    out.note(`skyport: ${error.message}`);
    return EXIT_USAGE;
  }
  if (error instanceof CliFailure) {
    out.note(`skyport: ${error.message}`);
    return EXIT_FAILURE;
  }
  if (isSkyportError(error)) {
    out.note(`skyport: ${messageOf(error, connection)}`);
    const details = detailsLine(error);
    if (details !== undefined) out.note(`  details: ${details}`);
    return EXIT_FAILURE;
  }
  // A bug in the CLI, not a refusal by the broker: the stack is what a bug report needs.
  out.note(`skyport: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return EXIT_FAILURE;
}

function messageOf(error: SkyportError, connection: Connection | undefined): string {
  if (isUnreachable(error)) {
    const reason = String(error.details?.['reason'] ?? 'no answer');
    const url = connection?.url ?? String(error.details?.['url']);
    return `cannot reach the Skyport broker at ${url} (${reason}); start one with \`npm start\` in the Skyport repository, or point --url / SKYPORT_URL at a running broker`;
  }
  if (error.code === 'Unauthenticated' && connection !== undefined) return `${error.message}; ${tokenHint(connection)}`;
  return error.message;
}

/** The client reports "never got an answer" as Internal with the URL and reason, no HTTP status. */
function isUnreachable(error: SkyportError): boolean {
  return error.code === 'Internal' && error.details?.['status'] === undefined && error.message.startsWith('cannot reach the Skyport broker');
}

function tokenHint(connection: Connection): string {
  switch (connection.tokenSource) {
    case 'flag':
      return 'the token given with --token was refused';
    case 'env':
      return 'the token in SKYPORT_TOKEN was refused';
    case 'session':
      return `the session in ${connection.sessionFile} was refused (expired, revoked or logged out elsewhere): log in again with \`skyport login <user>\``;
    case 'file':
      return `the token read from ${connection.tokenFile} was refused (is it the data dir of the broker at ${connection.url}?)`;
    case 'none':
      return `no token was given and ${connection.tokenFile} does not exist: log in with \`skyport login <user>\`, use --token or SKYPORT_TOKEN, or set SKYPORT_DATA_DIR to the broker's data dir`;
  }
}

function detailsLine(error: SkyportError): string | undefined {
  const details = error.details;
  if (details === undefined) return undefined;
  const parts = DETAIL_LABELS.filter(([key]) => details[key] !== undefined).map(([key, label]) => `${label}: ${formatDetailValue(details[key])}`);
  return parts.length === 0 ? undefined : parts.join('; ');
}
