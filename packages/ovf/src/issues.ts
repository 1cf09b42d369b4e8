/** Findings of the validator: what is wrong, how bad, and where (an XPath-like location). */
export type Severity = 'error' | 'warning';

export interface ValidationIssue {
  readonly severity: Severity;
  /** Stable identifier of the rule, e.g. `disk.missing-capacity` (catalogue in docs/appliances.md). */
  readonly code: string;
  readonly message: string;
  /** XPath-like location: `/Envelope[1]/DiskSection[1]/Disk[2]/@ovf:capacity`. */
  readonly where: string;
}

export interface ValidationReport {
  /** True when there are no errors (warnings allowed). */
  readonly valid: boolean;
  readonly errors: readonly ValidationIssue[];
  readonly warnings: readonly ValidationIssue[];
}

/** Collects issues; in lax mode, findings marked `laxable` are downgraded to warnings. */
export class IssueCollector {
  readonly #issues: ValidationIssue[] = [];
  constructor(private readonly lax: boolean) {}

  error(code: string, message: string, where: string, options: { laxable?: boolean } = {}): void {
    const severity: Severity = options.laxable === true && this.lax ? 'warning' : 'error';
    this.#issues.push({ severity, code, message: severity === 'warning' && options.laxable === true ? `${message} (accepted in lax mode)` : message, where });
  }

  warning(code: string, message: string, where: string): void {
    this.#issues.push({ severity: 'warning', code, message, where });
  }

  add(issues: readonly ValidationIssue[]): void {
    this.#issues.push(...issues);
  }

  report(): ValidationReport {
    const errors = this.#issues.filter((i) => i.severity === 'error');
    return { valid: errors.length === 0, errors, warnings: this.#issues.filter((i) => i.severity === 'warning') };
  }
}
