/** `skyport audit ...`: the hash-chained log of every change: list, verify, export. */
import { closeSync, fchmodSync, openSync, unlinkSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import type { AuditEntry } from '@skyport/client';
import { contextOf, type CliEnvironment } from '../context.js';
import { formatTime } from '../format.js';
import { examples } from '../help.js';
import { addPageOptions, fetchPages, printPage, type PageFlags } from '../lists.js';
import { CliFailure } from '../options.js';
import { tenantNames } from '../tenant-names.js';

export function registerAudit(program: Command, env: CliEnvironment): void {
  const audit = program.command('audit').description('the audit log: list, verify the hash chain, export as JSON lines');
  examples(audit, ['skyport audit list --limit 20', 'skyport audit verify', 'skyport audit export --out audit.ndjson']);

  examples(
    addPageOptions(
      audit
        .command('list')
        .description("newest first: who did what, to what, from where, and how it ended (your tenant's; every tenant for system administrators)"),
    ).action(async (opts: PageFlags, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const page = await fetchPages(opts, (paging) => ctx.client.audit.list(paging));
      const tenant = ctx.json || page.items.length === 0 ? (id: string | null) => id ?? '' : await tenantNames(ctx.client);
      printPage(ctx, page, (items) =>
        ctx.out.table(
          [
            { header: 'seq', value: (e: AuditEntry) => e.seq },
            { header: 'time', value: (e) => formatTime(e.at) },
            { header: 'tenant', value: (e) => tenant(e.tenantId) },
            { header: 'actor', value: (e) => e.actor.userName },
            { header: 'action', value: (e) => e.action },
            { header: 'target', value: (e) => e.target?.id },
            { header: 'result', value: (e) => (e.errorCode === undefined ? e.result : `${e.result} (${e.errorCode})`) },
            { header: 'door', value: (e) => e.door },
            { header: 'address', value: (e) => e.address },
          ],
          items,
          'audit entries',
        ),
      );
    }),
    ['skyport audit list', 'skyport audit list --limit 1000 --all --json | jq -r \'.[] | select(.result == "failure") | .action\''],
  );

  examples(
    audit
      .command('verify')
      .description('check the whole hash chain on the broker; exit 1 naming the first entry that was edited, inserted or deleted')
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const result = await ctx.client.audit.verify();
        if (ctx.json) ctx.out.json(result);
        if (result.ok) {
          if (!ctx.json) ctx.out.line(`ok: the audit log's hash chain is intact (${result.entries} entries)`);
          return;
        }
        // The answer is a finding, but scripts and monitoring need it as an exit status too.
        const where = result.brokenAt === undefined ? 'somewhere' : `at entry ${result.brokenAt}`;
        throw new CliFailure(`the audit log's hash chain is broken ${where}: ${result.reason ?? 'no reason given'} (${result.entries} entries before it are intact)`);
      }),
    ['skyport audit verify', 'skyport audit verify || alert "audit log tampered with"'],
  );

  examples(
    audit
      .command('export')
      .description('the whole log, oldest first, as JSON lines with the hashes that chain them (system administrators)')
      .option('--out <file>', 'write to this new file (mode 0600) instead of stdout')
      .action(async (opts: { out?: string }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        if (opts.out === undefined) {
          let entries = 0;
          for await (const record of ctx.client.audit.exportRecords()) {
            ctx.out.stdout.write(`${JSON.stringify(record)}\n`);
            entries++;
          }
          ctx.out.note(`exported ${entries} audit entries`);
          return;
        }
        const entries = await exportToFile(opts.out, ctx.client.audit.exportRecords());
        if (ctx.json) ctx.out.json({ file: opts.out, entries });
        else ctx.out.line(`exported ${entries} audit entries to ${opts.out}`);
      }),
    ['skyport audit export --out audit-2024-05.ndjson', 'skyport audit export | gzip > audit.ndjson.gz'],
  );
}

/**
 * A new file only, mode 0600 (the log names users and their addresses). An export cut short
 * is removed, so a partial file is never taken for the whole log.
 */
async function exportToFile(path: string, records: AsyncIterable<unknown>): Promise<number> {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
    fchmodSync(fd, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliFailure(`cannot create ${path}: ${code === 'EEXIST' ? 'the file exists (it is not overwritten)' : (code ?? (error as Error).message)}`);
  }
  let entries = 0;
  try {
    for await (const record of records) {
      writeSync(fd, `${JSON.stringify(record)}\n`);
      entries++;
    }
  } catch (error) {
    closeSync(fd);
    unlinkSync(path);
    throw error;
  }
  closeSync(fd);
  return entries;
}
