import { SkyportError, type Tags } from '@skyport/model';

/** Names as most clouds accept them: a letter or digit first, then letters, digits, `.`, `_`, `-`. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function requireName(field: string, value: string): void {
  if (!NAME.test(value)) {
    throw new SkyportError('InvalidArgument', `${field} "${value}" is not a valid name: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`, {
      details: { field, value, allowed: NAME.source },
    });
  }
}

export function requireTags(field: string, tags: Tags | undefined): void {
  if (!tags) return;
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > 128 || key.startsWith('skyport:')) {
      throw new SkyportError('InvalidArgument', `${field}: tag key "${key}" is not allowed: keys are 1-128 characters and may not start with "skyport:"`, {
        details: { field, key },
      });
    }
    if (typeof value !== 'string' || value.length > 256) {
      throw new SkyportError('InvalidArgument', `${field}: the value of tag "${key}" must be a string of at most 256 characters`, { details: { field, key } });
    }
  }
}

export function unsupported(providerName: string, feature: string): SkyportError {
  return new SkyportError('Unsupported', `provider ${providerName} does not support ${feature}`, { details: { provider: providerName, feature } });
}
