/**
 * `virsh` against one connection URI, arguments passed as a list (never through a shell).
 * libvirt's messages become SkyportErrors at this edge, with libvirt's error class as the
 * provider code: virsh exits 1 for every failure, so the class is read from its message.
 */
import { execFile } from 'node:child_process';
import { SkyportError } from '@skyport/model';

export interface VirshOptions {
  readonly binary: string;
  readonly uri: string;
  readonly timeoutMs: number;
}

/** libvirt message fragments -> our code and a provider code naming libvirt's error. */
const CLASSES: readonly { readonly pattern: RegExp; readonly code: SkyportError['code']; readonly providerCode: string }[] = [
  { pattern: /failed to connect|Failed to connect socket|Cannot recv data|End of file while reading|unable to connect/i, code: 'ProviderUnavailable', providerCode: 'VIR_ERR_NO_CONNECT' },
  { pattern: /authentication failed|access denied|Permission denied.*sock/i, code: 'Unauthenticated', providerCode: 'VIR_ERR_AUTH_FAILED' },
  { pattern: /Domain not found|failed to get domain/i, code: 'NotFound', providerCode: 'VIR_ERR_NO_DOMAIN' },
  { pattern: /Storage volume not found|failed to get vol/i, code: 'NotFound', providerCode: 'VIR_ERR_NO_STORAGE_VOL' },
  { pattern: /Storage pool not found|failed to get pool/i, code: 'NotFound', providerCode: 'VIR_ERR_NO_STORAGE_POOL' },
  { pattern: /already exists|domain .* is already defined/i, code: 'AlreadyExists', providerCode: 'VIR_ERR_OPERATION_FAILED' },
  { pattern: /domain is not running|domain is already running|Requested operation is not valid/i, code: 'InvalidState', providerCode: 'VIR_ERR_OPERATION_INVALID' },
  { pattern: /XML error|invalid argument|unsupported configuration/i, code: 'InvalidArgument', providerCode: 'VIR_ERR_INVALID_ARG' },
];

export class VirshError extends SkyportError {}

function classify(stderr: string): { code: SkyportError['code']; providerCode: string } {
  for (const c of CLASSES) if (c.pattern.test(stderr)) return c;
  return { code: 'ProviderError', providerCode: 'VIR_ERR_INTERNAL_ERROR' };
}

/** The last `error:` line of virsh, the most specific one. */
function reason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.replace(/^error:\s*/, '').trim()).filter((l) => l !== '');
  return lines.slice(-2).join(': ') || 'virsh failed without a message';
}

export class Virsh {
  constructor(private readonly options: VirshOptions) {}

  get uri(): string {
    return this.options.uri;
  }

  /** Runs `virsh -q -c URI ...args` and resolves to its standard output. */
  run(args: readonly string[], what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.options.binary, ['-q', '-c', this.options.uri, ...args], { timeout: this.options.timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error === null) return resolve(stdout);
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(new SkyportError('ProviderUnavailable', `virsh is not installed (${this.options.binary}); install it with: apt-get install -y libvirt-clients`, { providerCode: 'ENOENT' }));
        }
        if (error.killed) {
          return reject(new SkyportError('Timeout', `${what}: virsh did not answer within ${Math.round(this.options.timeoutMs / 1000)} s (${this.options.uri})`, { providerCode: 'VIR_ERR_TIMEOUT' }));
        }
        const { code, providerCode } = classify(stderr);
        reject(new VirshError(code, `${what}: ${reason(stderr)}`, { providerCode, details: { uri: this.options.uri, command: args[0] } }));
      });
    });
  }
}
