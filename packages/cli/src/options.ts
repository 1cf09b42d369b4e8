/**
 * Parsers for option values. They throw commander's InvalidArgumentError, so a malformed
 * value is a usage error (exit 2) reported before anything is sent to the broker.
 */
import { InvalidArgumentError } from 'commander';

/** A usage error found after parsing (e.g. a malformed positional `k=v`): exit 2 as well. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure of the CLI's own making that is not the broker's (declined, file exists): exit 1. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be a whole number.');
    if (n < min || n > max) throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}.` : `must be from ${min} to ${max}.`);
    return n;
  };
}

/** A repeatable option: `--x a --x b` → `['a', 'b']`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A repeatable option that also takes comma lists: `--state running,stopped --state error`. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

/** `k=v` into a map; repeatable. The value may contain `=`. */
export function keyValue(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const [key, v] = splitPair(value, (message) => new InvalidArgumentError(message));
  return { ...previous, [key]: v };
}

/** `k=<json>` into a map; a value that is not JSON is taken as a string (`region=eu`). */
export function keyJson(value: string, previous: Record<string, unknown> | undefined): Record<string, unknown> {
  const [key, raw] = splitPair(value, (message) => new InvalidArgumentError(message));
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // A bare word is meant as a string; requiring quotes through a shell helps nobody.
  }
  return { ...previous, [key]: parsed };
}

/** `k=v` for tag filters: `k` alone means "has the tag" (null). */
export function tagFilter(value: string, previous: Record<string, string | null> | undefined): Record<string, string | null> {
  const at = value.indexOf('=');
  const key = at === -1 ? value : value.slice(0, at);
  if (key === '') throw new InvalidArgumentError('use key=value, or key for "has the tag".');
  return { ...previous, [key]: at === -1 ? null : value.slice(at + 1) };
}

/** Positional `k=v` words (tags set): a malformed one is a usage error. */
export function pairs(words: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const word of words) {
    const [key, value] = splitPair(word, (message) => new UsageError(`"${word}": ${message}`));
    result[key] = value;
  }
  return result;
}

function splitPair(value: string, error: (message: string) => Error): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0) throw error('use key=value.');
  return [value.slice(0, at), value.slice(at + 1)];
}
