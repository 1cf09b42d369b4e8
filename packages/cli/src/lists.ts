/**
 * The options every inventory list shares (`--provider`, `--name`, `--tag`, `--sort`, `--limit`,
 * `--cursor`, `--all`) and the paging they imply: one page by default with a hint when more
 * exist, every page with `--all`.
 */
import type { Command } from 'commander';
import type { Page } from '@skyport/client';
import type { CliContext } from './context.js';
import { collectList, integer, tagFilter } from './options.js';

export interface PageFlags {
  readonly limit?: number;
  readonly cursor?: string;
  readonly all?: boolean;
}

export interface InventoryFlags extends PageFlags {
  readonly provider?: string[];
  readonly name?: string;
  readonly tag?: Record<string, string | null>;
  readonly sort?: string;
}

export function addPageOptions(command: Command): Command {
  return command
    .option('--limit <n>', 'items per page (1-1000; the broker defaults to 100)', integer(1, 1000))
    .option('--cursor <cursor>', 'continue after a previous page (its nextCursor)')
    .option('--all', 'follow the cursors and list every page');
}

export function addInventoryOptions(command: Command): Command {
  command
    .option('--provider <provider>', 'only this provider, by name or id (repeat, or give a comma list)', collectList)
    .option('--name <name>', 'exact name, or a prefix ending in * (quote it: "web-*")')
    .option('--tag <k=v>', 'only with this tag (k=v, or k for "has the tag"); repeat for several', tagFilter)
    .option('--sort <field>', 'order by name, provider, id (or state, for instances); a leading - sorts descending: --sort -name');
  return addPageOptions(command);
}

/** The list query of the shared inventory flags, without paging. */
export function inventoryQuery(flags: InventoryFlags) {
  return {
    ...(flags.provider === undefined ? {} : { provider: flags.provider }),
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.tag === undefined ? {} : { tags: flags.tag }),
    ...(flags.sort === undefined ? {} : { sort: flags.sort }),
  };
}

/** One page, or every page with `--all`; `nextCursor` is set when more remain. */
export async function fetchPages<T>(flags: PageFlags, list: (paging: { limit?: number; cursor?: string }) => Promise<Page<T>>): Promise<Page<T>> {
  const limit = flags.limit === undefined ? {} : { limit: flags.limit };
  let page = await list({ ...limit, ...(flags.cursor === undefined ? {} : { cursor: flags.cursor }) });
  if (flags.all !== true) return page;
  const items = [...page.items];
  while (page.nextCursor !== undefined) {
    page = await list({ ...limit, cursor: page.nextCursor });
    items.push(...page.items);
  }
  return { items };
}

/** Prints a list as JSON (the items) or a table, then the next-page hint on stderr. */
export function printPage<T>(ctx: CliContext, page: Page<T>, table: (items: readonly T[]) => void): void {
  if (ctx.json) ctx.out.json(page.items);
  else table(page.items);
  if (page.nextCursor !== undefined) {
    ctx.out.note(`more results: add --cursor ${page.nextCursor} for the next page, or --all for every page`);
  }
}
