/**
 * Several broker processes on one PostgreSQL, as an operator runs them: each is
 * `node packages/server/dist/main.js` with its own port and data folder (hence its own stable
 * worker id) and the same database URL and master key. For the scale-out tests and bench/scale.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built entry point; `npm test` and `npm run bench:scale` build before running. */
export const MAIN_JS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');

export interface BrokerProcess {
  readonly name: string;
  readonly url: string;
  readonly dataDir: string;
  readonly workerId: string;
  readonly child: ChildProcess;
  /** The broker's JSON log lines seen so far (the last 20 000). */
  readonly logs: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
}

export interface BrokerClusterOptions {
  readonly databaseUrl: string;
  /** Under it, each broker gets `<name>/` as its data folder. */
  readonly baseDir: string;
  /** Added to every broker's environment (e.g. SKYPORT_JOB_EXPIRY_SECONDS). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long a broker may take to listen; default 60 s. */
  readonly startTimeoutMs?: number;
  /** Node options for the broker processes (e.g. `--cpu-prof` to profile them). */
  readonly nodeArgs?: readonly string[];
}

const MAX_LOG_LINES = 20_000;

export class BrokerCluster {
  readonly #options: BrokerClusterOptions;
  readonly #masterKey = randomBytes(32).toString('base64');
  readonly brokers = new Map<string, BrokerProcess>();

  constructor(options: BrokerClusterOptions) {
    if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: build first (npx tsc -b tsconfig.json)`);
    this.#options = options;
  }

  /** Starts (or restarts, with the same data folder and so the same worker id) the broker `name`. */
  async start(name: string, env: Readonly<Record<string, string>> = {}): Promise<BrokerProcess> {
    const dataDir = join(this.#options.baseDir, name);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const child = spawn(process.execPath, [...(this.#options.nodeArgs ?? []), MAIN_JS], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: process.env['HOME'] ?? '/tmp',
        SKYPORT_DATABASE_URL: this.#options.databaseUrl,
        SKYPORT_DATA_DIR: dataDir,
        SKYPORT_PORT: '0',
        SKYPORT_MASTER_KEY: this.#masterKey,
        SKYPORT_SEED_SIM: 'false',
        SKYPORT_SEED_LOCAL: 'false',
        SKYPORT_LOG_LEVEL: 'info',
        ...this.#options.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: Record<string, unknown>[] = [];
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker ${name} did not start within ${this.#options.startTimeoutMs ?? 60_000} ms; stderr: ${stderr}`)), this.#options.startTimeoutMs ?? 60_000);
      let buffered = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        let newline;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.startsWith('{')) {
            try {
              logs.push(JSON.parse(line) as Record<string, unknown>);
              if (logs.length > MAX_LOG_LINES) logs.splice(0, logs.length - MAX_LOG_LINES);
            } catch {
              // a partial or foreign line: not a log record
            }
            continue;
          }
          const match = /Skyport is running at (\S+)/.exec(line);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-4000);
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`broker ${name} exited with ${code} before it listened; stderr: ${stderr}`));
      });
    });
    const workerId = readFileSync(join(dataDir, 'worker-id'), 'utf8').trim();
    const broker: BrokerProcess = { name, url, dataDir, workerId, child, logs, exited };
    this.brokers.set(name, broker);
    return broker;
  }

  /** The admin token the first broker wrote on first start. */
  adminToken(name: string): string {
    return readFileSync(join(this.#options.baseDir, name, 'admin-token'), 'utf8').trim();
  }

  /** `kill -9`: no shutdown code runs. */
  async kill(name: string): Promise<void> {
    const broker = this.brokers.get(name);
    if (!broker) return;
    broker.child.kill('SIGKILL');
    await broker.exited;
  }

  /** Stops every broker still running: SIGTERM (a clean stop), SIGKILL after 15 s. */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.brokers.values()].map(async (broker) => {
        if (broker.child.exitCode !== null || broker.child.signalCode !== null) return;
        broker.child.kill('SIGTERM');
        const timer = setTimeout(() => broker.child.kill('SIGKILL'), 15_000);
        await broker.exited;
        clearTimeout(timer);
      }),
    );
  }

  byWorkerId(workerId: string): BrokerProcess | undefined {
    return [...this.brokers.values()].find((b) => b.workerId === workerId);
  }
}
