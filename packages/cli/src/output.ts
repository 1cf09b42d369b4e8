/**
 * Everything the CLI writes. Results go to stdout (tables, or JSON with `--json`, so a pipe
 * into jq gets nothing else); notes, hints and progress go to stderr.
 */
import Table from 'cli-table3';

export interface Column<T> {
  readonly header: string;
  readonly value: (item: T) => string | number | undefined;
}

/** A table without borders, `kubectl` style: easy to read, easy to `grep` and `awk`. */
const PLAIN_CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
} as const;

export class Output {
  constructor(
    readonly stdout: NodeJS.WritableStream & { isTTY?: boolean },
    readonly stderr: NodeJS.WritableStream & { isTTY?: boolean },
  ) {}

  /** A line of result on stdout. */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** A line for the human on stderr: hints, confirmations next to JSON, progress lines. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  json(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /**
   * Rows of items under upper-case headers (units keep their case: `MEMORY MiB`); an empty
   * list says so on stderr.
   */
  table<T>(columns: readonly Column<T>[], items: readonly T[], plural = 'items'): void {
    if (items.length === 0) {
      this.note(`no ${plural} found`);
      return;
    }
    this.line(render(columns.map((c) => c.header.replace(/\b[a-z]+\b/g, (word) => word.toUpperCase())), items.map((item) => columns.map((c) => c.value(item) ?? ''))));
  }

  /** One resource as `label: value` lines, for `show`. Empty values are left out. */
  details(rows: readonly (readonly [label: string, value: string | number | undefined])[]): void {
    const shown = rows.filter(([, value]) => value !== undefined && value !== '');
    const width = Math.max(...shown.map(([label]) => label.length));
    for (const [label, value] of shown) this.line(`${`${label}:`.padEnd(width + 2)}${value}`);
  }
}

function render(head: string[], rows: (string | number)[][]): string {
  const table = new Table({ head, chars: PLAIN_CHARS, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 } });
  table.push(...rows.map((row) => row.map(String)));
  // cli-table3 pads the last column too; trailing blanks only get in the way of tools.
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}
