/**
 * Reading EC2 Query parameters. The protocol flattens everything into `Name=value` pairs:
 * lists as `InstanceId.1`, `InstanceId.2`; lists of structures as `Filter.1.Name`,
 * `Filter.1.Value.1`; nested lists as `TagSpecification.1.Tag.1.Key`. Indexes start at 1 and
 * need not be contiguous; members are taken in index order.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html
 *
 * Every parameter an action reads is marked; `rejectUnread` then refuses whatever is left, so
 * a parameter Skyport does not implement is an error naming it, never silently ignored.
 */
import { Ec2Error, invalidValue, missingParameter } from './ec2-error.js';

/** Decodes a form body or query string; a parameter given twice is refused. */
export function parseForm(text: string, into = new Map<string, string>()): Map<string, string> {
  for (const [key, value] of new URLSearchParams(text)) {
    if (into.has(key)) throw new Ec2Error('InvalidParameter', `The parameter ${key} appears more than once in the request; give each parameter once`);
    into.set(key, value);
  }
  return into;
}

const INDEX = /^[1-9]\d{0,5}$/;

export class QueryParams {
  private readonly read = new Set<string>();

  constructor(private readonly values: ReadonlyMap<string, string>) {}

  /** Marks parameters as handled elsewhere (Action, Version, signature parameters). */
  consume(...names: string[]): void {
    for (const name of names) this.read.add(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Whether any parameter starts with `prefix.` (a list or structure was given). */
  hasPrefix(prefix: string): boolean {
    for (const key of this.values.keys()) if (key.startsWith(`${prefix}.`)) return true;
    return false;
  }

  string(name: string): string | undefined {
    this.read.add(name);
    return this.values.get(name);
  }

  requiredString(name: string, hint?: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw missingParameter(name, hint);
    return value;
  }

  integer(name: string, range: { readonly min?: number; readonly max?: number } = {}): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!/^-?\d{1,10}$/.test(raw) || !Number.isSafeInteger(value)) throw invalidValue(name, raw, 'It must be a whole number.');
    if ((range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)) {
      throw invalidValue(name, raw, `It must be from ${range.min ?? '-∞'} to ${range.max ?? '∞'}.`);
    }
    return value;
  }

  boolean(name: string): boolean | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw invalidValue(name, raw, 'It must be true or false.');
  }

  /** The indexes `N` of `prefix.N` or `prefix.N.*`, in numeric order. */
  indexes(prefix: string): number[] {
    const found = new Set<number>();
    const start = `${prefix}.`;
    for (const key of this.values.keys()) {
      if (!key.startsWith(start)) continue;
      const index = key.slice(start.length).split('.', 1)[0] ?? '';
      if (!INDEX.test(index)) throw new Ec2Error('InvalidParameter', `The parameter ${key} is malformed: list members are numbered ${prefix}.1, ${prefix}.2, ...`);
      found.add(Number(index));
    }
    return [...found].sort((a, b) => a - b);
  }

  /** A list of strings, `prefix.1`, `prefix.2`, ... */
  list(prefix: string): string[] {
    return this.indexes(prefix).map((i) => {
      const name = `${prefix}.${i}`;
      const value = this.string(name);
      if (value === undefined) throw new Ec2Error('InvalidParameter', `The parameter ${prefix}.${i} is malformed: it is a list of values, not of structures`);
      return value;
    });
  }

  /** A list of structures: `read` gets each member's prefix (`Filter.3`). */
  structures<T>(prefix: string, read: (memberPrefix: string) => T): T[] {
    return this.indexes(prefix).map((i) => read(`${prefix}.${i}`));
  }

  /** Refuses every parameter no reader asked for, naming them and what the action takes. */
  rejectUnread(action: string, supported: readonly string[]): void {
    const unread = [...this.values.keys()].filter((key) => !this.read.has(key));
    if (unread.length === 0) return;
    const names = unread.slice(0, 5).join(', ') + (unread.length > 5 ? ` and ${unread.length - 5} more` : '');
    const takes = supported.length === 0 ? 'no parameters' : supported.join(', ');
    throw new Ec2Error('UnknownParameter', `The parameter ${names} is not recognized or not supported by Skyport for ${action}; it accepts ${takes}`);
  }
}
