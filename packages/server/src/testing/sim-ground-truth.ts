import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * What a sim cloud really holds, read from its own database (not through any broker): the
 * ground truth for "no instance was created twice". Read-only, so brokers keep writing.
 */
export function simInstanceNames(simDataDir: string): Map<string, number> {
  const db = new Database(join(simDataDir, 'sim.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const rows = db.prepare('SELECT name, count(*) AS n FROM instances GROUP BY name').all() as { name: string; n: number }[];
    return new Map(rows.map((r) => [r.name, Number(r.n)]));
  } finally {
    db.close();
  }
}
