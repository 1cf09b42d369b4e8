/** `skyport tags set|remove`: key/value tags on any taggable resource. */
import { Argument, InvalidArgumentError, type Command } from 'commander';
import type { TaggableKind, Tags } from '@skyport/model';
import { contextOf, type CliContext, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { pairs } from '../options.js';

/** Kinds as users type them (singular, plural, the API's path) → the model's kind. */
const KIND_WORDS: Readonly<Record<string, TaggableKind>> = {
  instance: 'instance', instances: 'instance',
  volume: 'volume', volumes: 'volume',
  snapshot: 'snapshot', snapshots: 'snapshot',
  image: 'image', images: 'image',
  keypair: 'keyPair', 'key-pair': 'keyPair', 'key-pairs': 'keyPair', key: 'keyPair', keys: 'keyPair',
  'security-group': 'securityGroup', 'security-groups': 'securityGroup', securitygroup: 'securityGroup', sg: 'securityGroup',
};

function kindArgument(): Argument {
  return new Argument('<kind>', 'instance, volume, snapshot, image, key-pair or security-group').argParser((value: string) => {
    const kind = KIND_WORDS[value.toLowerCase()];
    if (kind === undefined) throw new InvalidArgumentError('use instance, volume, snapshot, image, key-pair or security-group.');
    return kind;
  });
}

export function registerTags(program: Command, env: CliEnvironment): void {
  const tags = program.command('tags').description('change the tags of instances, volumes, snapshots, images, key pairs and security groups');

  examples(
    tags
      .command('set')
      .description('add or overwrite tags; other tags are kept')
      .addArgument(kindArgument())
      .argument('<id>', 'resource id')
      .argument('<k=v...>', 'tags to set')
      .action(async (kind: TaggableKind, id: string, words: string[], _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        printTags(ctx, kind, id, await ctx.client.tags.update(kind, id, { set: pairs(words) }));
      }),
    ['skyport tags set instance i-0123456789abcdef0 env=prod team=web'],
  );

  examples(
    tags
      .command('remove')
      .description('remove tags by key; other tags are kept')
      .addArgument(kindArgument())
      .argument('<id>', 'resource id')
      .argument('<key...>', 'tag keys to remove')
      .action(async (kind: TaggableKind, id: string, keys: string[], _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        printTags(ctx, kind, id, await ctx.client.tags.update(kind, id, { remove: keys }));
      }),
    ['skyport tags remove volume vol-0123456789abcdef0 team'],
  );
}

function printTags(ctx: CliContext, kind: TaggableKind, id: string, tags: Tags): void {
  if (ctx.json) return ctx.out.json(tags);
  const rows = Object.entries(tags).map(([key, value]) => ({ key, value }));
  if (rows.length === 0) return ctx.out.note(`${kind} ${id} has no tags now`);
  ctx.out.table(
    [
      { header: 'key', value: (r) => r.key },
      { header: 'value', value: (r) => r.value },
    ],
    rows,
    'tags',
  );
}
