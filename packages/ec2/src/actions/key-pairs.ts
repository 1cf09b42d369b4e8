/**
 * Key pairs: Create (the provider generates it; the private key is shown once), Import (a
 * public key the user has), Describe and Delete. EC2 names key pairs; so does Skyport.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateKeyPair.html
 */
import { isSkyportError, type KeyPair, type Tags } from '@skyport/model';
import { listAll, type ActionContext } from '../action-context.js';
import { defineAction } from '../action.js';
import { Ec2Error, invalidCombination, invalidValue, missingParameter } from '../protocol/ec2-error.js';
import { filterPredicate, readFilters, type FilterSpec } from '../protocol/filters.js';
import { items } from '../protocol/xml-writer.js';
import { keyPairXml, keyTypeOf } from '../render/key-pair-xml.js';
import { tagSetXml } from '../render/tags-xml.js';
import { checkId, getAllInProvider } from './ids.js';
import { readTagSpecifications } from './tag-params.js';

const SPEC: FilterSpec<KeyPair> = {
  fields: {
    'key-name': (k) => k.name,
    'key-pair-id': (k) => k.id,
    fingerprint: (k) => k.fingerprint,
    'key-type': (k) => keyTypeOf(k),
  },
  tags: (k) => k.tags,
};

async function allKeyPairs(ctx: ActionContext): Promise<KeyPair[]> {
  const provider = await ctx.provider();
  return listAll((cursor) => ctx.broker.keyPairs.list({ providerIds: [provider.id], limit: 1000, ...(cursor === undefined ? {} : { cursor }) }));
}

async function keyPairNamed(ctx: ActionContext, name: string): Promise<KeyPair | undefined> {
  const provider = await ctx.provider();
  const page = await ctx.broker.keyPairs.list({ providerIds: [provider.id], name: name.replace(/\*/g, ''), limit: 2 });
  return page.items.find((k) => k.name === name);
}

/** Tags on a new key pair are applied after it exists, so the provider must take them; checked first. */
async function requireKeyPairTags(ctx: ActionContext, tags: Tags | undefined): Promise<void> {
  if (tags === undefined || Object.keys(tags).length === 0) return;
  const provider = await ctx.provider();
  if (!provider.capabilities.tags?.kinds.includes('keyPair')) {
    throw new Ec2Error('UnsupportedOperation', `Provider ${provider.name} does not support tags on key pairs; create the key pair without TagSpecification`);
  }
}

async function tagNew(ctx: ActionContext, keyPair: KeyPair, tags: Tags | undefined): Promise<Tags> {
  if (tags === undefined || Object.keys(tags).length === 0) return keyPair.tags;
  return ctx.broker.tags.update('keyPair', keyPair.id, { set: tags });
}

function keyType(raw: string | undefined): void {
  if (raw !== undefined && raw !== 'rsa' && raw !== 'ed25519') throw invalidValue('KeyType', raw, 'It must be rsa or ed25519.');
}

export const createKeyPair = defineAction({
  name: 'CreateKeyPair',
  mutates: true,
  subject: 'keyPair',
  parameters: ['KeyName', 'KeyType', 'KeyFormat', 'TagSpecification.N'],
  parse(params) {
    const name = params.requiredString('KeyName');
    const type = params.string('KeyType');
    keyType(type);
    const format = params.string('KeyFormat');
    if (format !== undefined && format !== 'pem') throw invalidValue('KeyFormat', format, 'Skyport hands out private keys in PEM (OpenSSH) form only.');
    return { name, type, tags: readTagSpecifications(params, 'CreateKeyPair', ['key-pair'])['key-pair'] };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    await requireKeyPairTags(ctx, input.tags);
    const created = await ctx.broker.keyPairs.create({ providerId: provider.id, name: input.name });
    const type = keyTypeOf(created.keyPair);
    if (input.type !== undefined && input.type !== type) {
      // The provider chooses the algorithm; a pair of the wrong type is not kept.
      await ctx.broker.keyPairs.delete(created.keyPair.id);
      throw invalidValue('KeyType', input.type, `Provider ${provider.name} generates ${type} key pairs; create one without KeyType, or make an ${input.type} key yourself and use ImportKeyPair.`);
    }
    const tags = await tagNew(ctx, created.keyPair, input.tags);
    return {
      keyName: created.keyPair.name,
      keyFingerprint: created.keyPair.fingerprint,
      keyMaterial: created.privateKey ?? '',
      keyPairId: created.keyPair.id,
      tagSet: tagSetXml(tags),
    };
  },
});

export const importKeyPair = defineAction({
  name: 'ImportKeyPair',
  mutates: true,
  subject: 'keyPair',
  parameters: ['KeyName', 'PublicKeyMaterial', 'TagSpecification.N'],
  parse(params) {
    const name = params.requiredString('KeyName');
    const material = params.requiredString('PublicKeyMaterial', 'the public key, base64-encoded (the CLI does this for fileb://key.pub)');
    // PublicKeyMaterial is a blob: base64 on the wire. Some tools send the key text as is.
    const decoded = /^(ssh-|ecdsa-)/.test(material) ? material : Buffer.from(material, 'base64').toString('utf8');
    if (!/^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/.test(decoded.trim())) {
      throw new Ec2Error('InvalidKey.Format', 'Key is not in valid OpenSSH public key format: give the one line of a .pub file (ssh-rsa or ssh-ed25519 ...)');
    }
    return { name, publicKey: decoded.trim(), tags: readTagSpecifications(params, 'ImportKeyPair', ['key-pair'])['key-pair'] };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    await requireKeyPairTags(ctx, input.tags);
    const created = await ctx.broker.keyPairs.create({ providerId: provider.id, name: input.name, publicKey: input.publicKey });
    const tags = await tagNew(ctx, created.keyPair, input.tags);
    return { keyFingerprint: created.keyPair.fingerprint, keyName: created.keyPair.name, keyPairId: created.keyPair.id, tagSet: tagSetXml(tags) };
  },
});

export const describeKeyPairs = defineAction({
  name: 'DescribeKeyPairs',
  mutates: false,
  subject: 'keyPair',
  parameters: ['KeyName.N', 'KeyPairId.N', 'Filter.N', 'IncludePublicKey'],
  parse: (params) => ({
    names: params.list('KeyName'),
    ids: params.list('KeyPairId').map((id, i) => checkId('keyPair', id, `KeyPairId.${i + 1}`)),
    filters: readFilters(params, SPEC),
    includePublicKey: params.boolean('IncludePublicKey') === true,
  }),
  async run(ctx, input) {
    const provider = await ctx.provider();
    let keyPairs: KeyPair[];
    if (input.ids.length > 0 || input.names.length > 0) {
      const byId = await getAllInProvider('keyPair', input.ids, provider.id, ctx.region, (id) => ctx.broker.keyPairs.get(id));
      const byName: KeyPair[] = [];
      const missing: string[] = [];
      for (const name of input.names) {
        const found = await keyPairNamed(ctx, name);
        if (found === undefined) missing.push(name);
        else byName.push(found);
      }
      if (missing.length > 0) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair${missing.length > 1 ? 's' : ''} '${missing.join(', ')}' ${missing.length > 1 ? 'do' : 'does'} not exist in region ${ctx.region}`);
      keyPairs = [...new Map([...byId, ...byName].map((k) => [k.id, k])).values()];
    } else {
      keyPairs = await allKeyPairs(ctx);
    }
    const keep = filterPredicate(input.filters, SPEC);
    return { keySet: items(keyPairs.filter(keep).map((k) => keyPairXml(k, input.includePublicKey))) };
  },
});

export const deleteKeyPair = defineAction({
  name: 'DeleteKeyPair',
  mutates: true,
  subject: 'keyPair',
  parameters: ['KeyName', 'KeyPairId'],
  parse(params) {
    const name = params.string('KeyName');
    const idRaw = params.string('KeyPairId');
    const id = idRaw === undefined || idRaw === '' ? undefined : checkId('keyPair', idRaw, 'KeyPairId');
    if ((name === undefined || name === '') && id === undefined) throw missingParameter('KeyName or KeyPairId');
    if (name !== undefined && name !== '' && id !== undefined) throw invalidCombination('Give KeyName or KeyPairId, not both');
    const ref: { readonly id?: string; readonly name?: string } = id === undefined ? { name: name! } : { id };
    return ref;
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    let keyPair: KeyPair | undefined;
    if (input.id !== undefined) keyPair = (await getAllInProvider('keyPair', [input.id], provider.id, ctx.region, (id) => ctx.broker.keyPairs.get(id)))[0];
    else keyPair = await keyPairNamed(ctx, input.name!);
    // EC2 deletes by name idempotently: an unknown name is success, and so it is here.
    if (keyPair === undefined) return { return: true };
    try {
      await ctx.broker.keyPairs.delete(keyPair.id);
    } catch (error) {
      if (!isSkyportError(error) || error.code !== 'NotFound') throw error;
    }
    return { return: true, keyPairId: keyPair.id };
  },
});
