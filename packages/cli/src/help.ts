/** Help text shared by the commands. */
import type { Command } from 'commander';

/** Appends an `Examples:` section to a command's `--help`. */
export function examples(command: Command, lines: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}
