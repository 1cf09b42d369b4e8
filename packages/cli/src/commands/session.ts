/** `skyport login`, `logout` and `whoami`: who the CLI acts as. */
import type { Command } from 'commander';
import { createClient, type SkyportClient } from '@skyport/client';
import { isSkyportError, type Principal } from '@skyport/model';
import type { Connection } from '../connection.js';
import { contextOf, type CliEnvironment } from '../context.js';
import { formatTime, yesNo } from '../format.js';
import { examples } from '../help.js';
import { askSecret, readSecretFromStdin } from '../prompt.js';
import { readSession, removeSession, writeSession } from '../session-file.js';

export function registerSession(program: Command, env: CliEnvironment): void {
  examples(
    program
      .command('login')
      .description('log in with a password; later commands use the session (see: skyport whoami)')
      .argument('<user>', 'user name')
      .option('--password-stdin', 'read the password from stdin instead of asking for it (scripts, CI)')
      .action(async (userName: string, opts: { passwordStdin?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const { url, sessionFile } = ctx.connection;
        const password = opts.passwordStdin === true ? await readSecretFromStdin() : await askSecret(`password for ${userName} at ${url}: `);
        const session = await ctx.client.login(userName, password);
        writeSession(sessionFile, { url, token: session.token, expiresAt: session.expiresAt, userName, userId: session.userId, tenantId: session.tenantId });
        // Read back with the new session, as every later command will use it: also shows the role.
        const client = createClient({ baseUrl: url, token: session.token });
        const me = await client.whoami();
        const tenant = await tenantName(client, me.tenantId);
        if (ctx.json) ctx.out.json({ userName: me.userName, userId: me.userId, tenantId: me.tenantId, tenant, role: me.role, systemAdmin: me.systemAdmin, expiresAt: session.expiresAt, sessionFile });
        else {
          ctx.out.line(`logged in as ${me.userName}: ${me.role} in tenant ${tenant}${me.systemAdmin ? ', system administrator' : ''}; the session expires at ${formatTime(session.expiresAt)} UTC`);
          ctx.out.note(`session saved to ${sessionFile} (mode 0600); \`skyport logout\` ends it`);
        }
        if (ctx.connection.tokenSource === 'flag' || ctx.connection.tokenSource === 'env') {
          ctx.out.note(`note: ${ctx.connection.tokenSource === 'flag' ? '--token' : 'SKYPORT_TOKEN'} is set and comes before the session; drop it to act as ${me.userName}`);
        }
      }),
    ['skyport login alice', 'skyport login ci-bot --password-stdin < ~/.config/skyport/ci-password', 'SKYPORT_URL=https://broker.example.com skyport login alice'],
  );

  examples(
    program
      .command('logout')
      .description('end the session of skyport login: revoked on the broker, removed from this machine')
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const file = ctx.connection.sessionFile;
        const session = readSession(file);
        if (session === undefined) {
          ctx.out.note(`not logged in: there is no session in ${file}`);
          return;
        }
        // At the broker that issued it, whatever --url says: that is where the token is valid.
        const revoked = await revokeSession(createClient({ baseUrl: session.url, token: session.token }), ctx.out.note.bind(ctx.out));
        removeSession(file);
        if (ctx.json) ctx.out.json({ loggedOut: session.userName, url: session.url, revoked });
        else ctx.out.line(`logged out ${session.userName} from ${session.url}`);
      }),
    ['skyport logout'],
  );

  examples(
    program
      .command('whoami')
      .description('who the broker takes you for: user, tenant, role, and where the CLI found the token')
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const me = await ctx.client.whoami();
        if (ctx.json) return ctx.out.json(me);
        const tenant = await tenantName(ctx.client, me.tenantId);
        const session = ctx.connection.tokenSource === 'session' ? readSession(ctx.connection.sessionFile) : undefined;
        ctx.out.details([
          ['user', `${me.userName} (${me.userId})`],
          ['tenant', tenant === me.tenantId ? me.tenantId : `${tenant} (${me.tenantId})`],
          ['role', me.role],
          ['system admin', yesNo(me.systemAdmin)],
          ['signed in by', signedInBy(me)],
          ['token from', tokenOrigin(ctx.connection)],
          ['session expires', session === undefined ? undefined : `${formatTime(session.expiresAt)} UTC`],
        ]);
        return undefined;
      }),
    ['skyport whoami', 'skyport whoami --json'],
  );
}

/**
 * Revokes the session the client holds; true when the broker no longer accepts it. A token
 * the broker already refuses (expired, revoked) is as good as revoked.
 */
async function revokeSession(client: SkyportClient, note: (text: string) => void): Promise<boolean> {
  try {
    await client.logout();
    return true;
  } catch (error) {
    if (isSkyportError(error) && error.code === 'Unauthenticated') return true;
    const reason = error instanceof Error ? error.message : String(error);
    note(`skyport: warning: could not revoke the session on the broker (${reason}); it stays valid there until it expires`);
    return false;
  }
}

async function tenantName(client: SkyportClient, tenantId: string): Promise<string> {
  // A nicety over the id: a caller who may not read the tenant still gets an answer.
  return client.tenants.get(tenantId).then(
    (t) => t.name,
    () => tenantId,
  );
}

function signedInBy(me: Principal): string {
  const how = { password: 'password (session)', token: 'API token', accessKey: 'EC2 access key' }[me.via] ?? me.via;
  return me.credentialId === undefined ? how : `${how} ${me.credentialId}`;
}

function tokenOrigin(connection: Connection): string {
  switch (connection.tokenSource) {
    case 'flag':
      return '--token';
    case 'env':
      return 'SKYPORT_TOKEN';
    case 'session':
      return `session of skyport login (${connection.sessionFile})`;
    case 'file':
      return `admin token file (${connection.tokenFile})`;
    case 'none':
      return 'none';
  }
}
