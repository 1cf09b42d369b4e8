/** What every command handler gets: the global flags, a client, the output, lookups. */
import type { Command } from 'commander';
import { createClient, type SkyportClient } from '@skyport/client';
import { resolveConnection, type Connection } from './connection.js';
import type { Output } from './output.js';

export interface GlobalFlags {
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
}

export interface CliEnvironment {
  readonly out: Output;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** The connection of the command that ran, for error hints (set when a context is built). */
  lastConnection?: Connection;
}

export class CliContext {
  readonly json: boolean;
  readonly connection: Connection;
  readonly out: Output;
  #client: SkyportClient | undefined;
  #providerNames: Promise<Map<string, string>> | undefined;

  constructor(flags: GlobalFlags, environment: CliEnvironment) {
    this.json = flags.json === true;
    this.connection = resolveConnection(flags, environment.env, environment.cwd);
    this.out = environment.out;
    environment.lastConnection = this.connection;
  }

  /** Created on first use, so commands that need no broker (none yet) never touch it. */
  get client(): SkyportClient {
    this.#client ??= createClient({ baseUrl: this.connection.url, ...(this.connection.token === undefined ? {} : { token: this.connection.token }) });
    return this.#client;
  }

  /**
   * Provider names for the items of a list, so a table column can show them synchronously
   * (ids are long; names are what users type). One listing per command; JSON output keeps
   * ids and needs none.
   */
  async providerNames(items: readonly { readonly providerId?: string }[]): Promise<(id: string | undefined) => string> {
    if (items.length === 0 || this.json) return (id) => id ?? '';
    this.#providerNames ??= this.client.providers.list().then((list) => new Map(list.map((p) => [p.id, p.name])));
    const names = await this.#providerNames;
    return (id) => (id === undefined ? '' : (names.get(id) ?? id));
  }
}

/** Builds the context of a command from its options and the program's global ones. */
export function contextOf(command: Command, environment: CliEnvironment): CliContext {
  return new CliContext(command.optsWithGlobals<GlobalFlags>(), environment);
}
