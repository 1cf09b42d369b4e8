/**
 * The `skyport` program: global flags, every command group, and the one error report.
 * `bin/skyport.js` calls `run`; tests may call it too, with their own streams.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { CliEnvironment } from './context.js';
import { DEFAULT_URL } from './connection.js';
import { Output } from './output.js';
import { reportError } from './report-error.js';
import { registerAccessKeys } from './commands/access-keys.js';
import { registerAppliances } from './commands/appliances.js';
import { registerAudit } from './commands/audit.js';
import { registerDrivers } from './commands/drivers.js';
import { registerEvents } from './commands/events.js';
import { registerImages } from './commands/images.js';
import { registerInstances } from './commands/instances.js';
import { registerKeys } from './commands/keys.js';
import { registerLocations } from './commands/locations.js';
import { registerMigrate } from './commands/migrate.js';
import { registerOperations } from './commands/operations.js';
import { registerOva } from './commands/ova.js';
import { registerProfiles } from './commands/profiles.js';
import { registerProviders } from './commands/providers.js';
import { registerSession } from './commands/session.js';
import { registerSecurityGroups } from './commands/security-groups.js';
import { registerSnapshots } from './commands/snapshots.js';
import { registerStates } from './commands/states.js';
import { registerTags } from './commands/tags.js';
import { registerTenants } from './commands/tenants.js';
import { registerTokens } from './commands/tokens.js';
import { registerUsers } from './commands/users.js';
import { registerVolumes } from './commands/volumes.js';

/** Read at run time: the same relative path works from src/ and from dist/. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

const MAIN_EXAMPLES = `
Connection:
  The broker is at --url, SKYPORT_URL or ${DEFAULT_URL}. The token is --token, SKYPORT_TOKEN,
  the session of \`skyport login\` (~/.config/skyport/session, for that broker only), or the
  admin token a local broker wrote to <SKYPORT_DATA_DIR or ./.skyport>/admin-token, so after
  \`npm start\` in the repository no setup is needed.

Examples:
  $ skyport providers list
  $ skyport profiles list --provider sim-east
  $ skyport instances create --provider sim-east --image debian-12 --profile small --name web-1
  $ skyport instances list --state running --json
  $ skyport instances stop i-0123456789abcdef0 --no-wait
  $ skyport operations wait op-0123456789abcdef0
  $ skyport events --type operation.updated
  $ skyport migrate plan create --name web --source sim-east --target sim-west --instance web-1 --run
`;

export function buildProgram(environment: CliEnvironment): Command {
  const { out } = environment;
  const program = new Command('skyport');
  // Settings first: subcommands copy them from their parent when they are created.
  program
    .description('Skyport command line: many clouds behind one broker')
    .version(version(), '-V, --version')
    .option('--url <url>', `broker address (env SKYPORT_URL, default ${DEFAULT_URL})`)
    .option('--token <token>', 'API token (env SKYPORT_TOKEN, default: the session of skyport login, then the local admin-token file)')
    .option('--json', 'print raw JSON instead of tables (lists: the items array)')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => out.stdout.write(text),
      writeErr: (text) => out.stderr.write(text),
      // One voice for every error: commander's `error: …` becomes `skyport: …`.
      outputError: (text, write) => write(text.replace(/^error: /, 'skyport: ')),
    })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText('after', MAIN_EXAMPLES);

  registerProviders(program, environment);
  registerDrivers(program, environment);
  registerStates(program, environment);
  registerLocations(program, environment);
  registerProfiles(program, environment);
  registerImages(program, environment);
  registerInstances(program, environment);
  registerKeys(program, environment);
  registerVolumes(program, environment);
  registerSnapshots(program, environment);
  registerSecurityGroups(program, environment);
  registerTags(program, environment);
  registerOperations(program, environment);
  registerEvents(program, environment);
  registerSession(program, environment);
  registerTenants(program, environment);
  registerUsers(program, environment);
  registerTokens(program, environment);
  registerAccessKeys(program, environment);
  registerAudit(program, environment);
  registerOva(program, environment);
  registerAppliances(program, environment);
  registerMigrate(program, environment);
  return program;
}

export interface RunOptions {
  readonly stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Runs one command line (`argv` as in process.argv) and resolves with the exit code. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const out = new Output(options.stdout ?? process.stdout, options.stderr ?? process.stderr);
  const environment: CliEnvironment = { out, env: options.env ?? process.env, cwd: options.cwd ?? process.cwd() };
  try {
    await buildProgram(environment).parseAsync([...argv]);
    return 0;
  } catch (error) {
    return reportError(error, out, environment.lastConnection);
  }
}
