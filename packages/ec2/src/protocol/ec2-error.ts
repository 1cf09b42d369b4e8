/**
 * An error as an EC2 client sees it: a code from the EC2 error catalogue, a message and an HTTP
 * status. Only the EC2 front end throws it; everything from the core arrives as SkyportError
 * and is translated once, in `error-mapping.ts`.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 */
export class Ec2Error extends Error {
  override readonly name = 'Ec2Error';
  readonly code: string;
  readonly status: number;
  /** Seconds a client should wait before retrying (throttling), sent as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, message: string, options: { readonly status?: number; readonly retryAfterSeconds?: number; readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? statusOf(code);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * EC2 answers almost every client error with 400. The exceptions matter to clients: SDKs
 * retry 5xx and throttling, treat 401 as a possible clock-skew problem, and the CLI prints
 * DryRunOperation (412) as the expected outcome of `--dry-run`.
 */
function statusOf(code: string): number {
  switch (code) {
    case 'AuthFailure':
      return 401;
    case 'UnauthorizedOperation':
      return 403;
    case 'DryRunOperation':
      return 412;
    case 'InternalError':
      return 500;
    case 'RequestLimitExceeded':
    case 'Unavailable':
      return 503;
    default:
      return 400;
  }
}

export function isEc2Error(value: unknown): value is Ec2Error {
  return value instanceof Ec2Error;
}

/** A required parameter is absent (EC2's `MissingParameter`). */
export function missingParameter(name: string, hint?: string): Ec2Error {
  return new Ec2Error('MissingParameter', `The request must contain the parameter ${name}${hint === undefined ? '' : `: ${hint}`}`);
}

/** A parameter's value is malformed or out of range (EC2's `InvalidParameterValue`). */
export function invalidValue(name: string, value: string, why: string): Ec2Error {
  return new Ec2Error('InvalidParameterValue', `Value (${value}) for parameter ${name} is invalid. ${why}`);
}

export function invalidCombination(message: string): Ec2Error {
  return new Ec2Error('InvalidParameterCombination', message);
}
