/**
 * Runs Debian's AWS CLI (`/usr/bin/aws`, by full path: another `aws` may come first on PATH)
 * against a test broker, with nothing from the user's own AWS configuration.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { CreatedAccessKey } from '@skyport/core';

export const AWS_CLI = '/usr/bin/aws';
export const PYTHON = '/usr/bin/python3';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a clean AWS client: these credentials, no config files, no pager, no IMDS. */
export function clientEnv(key: CreatedAccessKey, home: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '2',
  };
}

export function runProcess(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`${file} ${args.join(' ')} did not run: ${error.message}\n${stderr}`));
        return;
      }
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}
