#!/usr/bin/env node
/** `npm start` ends here: start the broker and stop it cleanly on SIGINT/SIGTERM. */
import { isSkyportError } from '@skyport/model';
import { loadConfig } from './config.js';
import { startServer } from './start-server.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  const lines = [
    '',
    `Skyport is running at ${server.url}`,
    `  REST API:  ${server.url}/api/v1   (docs: ${server.url}/api/v1/docs)`,
    `  EC2 API:   ${server.ec2Url}   (aws ec2 --endpoint-url ${server.ec2Url} --region <provider name>; docs/ec2.md)`,
    `  Data:      ${config.dataDir} (${config.databaseUrl.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'})`,
    server.adminToken.token === undefined
      ? `  Admin token: not readable; it was written to ${server.adminToken.path} on first start`
      : `  Admin token: ${server.adminToken.token}   (also in ${server.adminToken.path})`,
    `  Try:       SKYPORT_TOKEN=$(cat ${server.adminToken.path}) npx skyport providers list`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'stopping');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    const { host, port, ec2Port } = loadConfig();
    // The error names the port that failed: the REST one or the EC2 one.
    const failed = (error as { port?: number }).port ?? port;
    const variable = failed === ec2Port && failed !== port ? 'SKYPORT_EC2_PORT' : 'SKYPORT_PORT';
    process.stderr.write(
      `skyport: cannot start: ${host}:${failed} is ${code === 'EADDRINUSE' ? 'already in use (is another broker running?)' : 'not allowed for this user'}; choose another port with ${variable}\n`,
    );
    process.exit(1);
  }
  const message = isSkyportError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`skyport: cannot start: ${message}\n`);
  process.exit(1);
});
