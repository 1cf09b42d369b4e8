/**
 * Questions to the person at the terminal: passwords (never echoed) and confirmations.
 * Without a terminal nobody can answer, so those refuse with the flag to use instead.
 */
import { createInterface } from 'node:readline/promises';
import { CliFailure, UsageError } from './options.js';

/**
 * The whole of stdin as a secret (`--password-stdin`). One trailing newline is what `echo`
 * or an editor adds and is dropped; anything else, trailing spaces included, is the secret.
 */
export async function readSecretFromStdin(flag = '--password-stdin'): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  let text = Buffer.concat(chunks).toString('utf8');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text === '') throw new UsageError(`${flag}: stdin was empty; pipe the password in, e.g. \`skyport login bob ${flag} < password-file\``);
  return text;
}

/**
 * Asks for a secret on the terminal without echoing it (raw mode: the terminal's own echo
 * is off, and nothing is written back). Backspace and Ctrl-U edit; Ctrl-C exits 130 as
 * elsewhere in the CLI; Ctrl-D on an empty line gives up.
 */
export function askSecret(question: string, flag = '--password-stdin'): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY !== true) return Promise.reject(new UsageError(`no terminal to ask for the password on; pipe it in with ${flag}`));
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (outcome: 'done' | 'interrupted' | 'empty') => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (outcome === 'interrupted') process.exit(130);
      if (outcome === 'empty') reject(new CliFailure('no password was given'));
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(value === '' ? 'empty' : 'done');
        if (ch === '\u0003') return finish('interrupted');
        if (ch === '\u0004') return finish(value === '' ? 'empty' : 'done');
        if (ch === '\u007f' || ch === '\b') value = Array.from(value).slice(0, -1).join('');
        else if (ch === '\u0015') value = '';
        // An escape sequence (arrow keys, function keys) arrives as one chunk: none of it is the password.
        else if (ch === '\u001b') break;
        else if (ch >= ' ') value += ch;
      }
      return undefined;
    };
    process.stderr.write(question);
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** A new password: from stdin, or asked twice on the terminal so a typo is not locked in. */
export async function newPassword(fromStdin: boolean, whose: string): Promise<string> {
  if (fromStdin) return readSecretFromStdin();
  const first = await askSecret(`new password for ${whose}: `);
  const second = await askSecret('again: ');
  if (first !== second) throw new CliFailure('the two passwords differ; nothing was changed');
  return first;
}

/** Asks on a terminal; refuses without one, since nobody could answer. */
export async function confirm(question: string, declined: string): Promise<void> {
  if (process.stdin.isTTY !== true) throw new UsageError(`${question} add --yes to confirm (no terminal to ask on)`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliFailure(`not confirmed; ${declined}`);
  } finally {
    rl.close();
  }
}
