/**
 * Turns Ajv's validation errors (as Fastify hands them over) into one sentence that names
 * the field and what is allowed, plus `{ field, in, allowed }` details a program can read.
 * Ajv runs with `verbose` so an unknown-field error carries its schema and can list the
 * known fields.
 */
import type { FastifySchemaValidationError } from 'fastify';

/** Where Fastify validated (its `ValidationContext`, which the package does not export). */
type ValidationContext = 'body' | 'headers' | 'params' | 'querystring';

/** The part of a Fastify validation error this module reads. */
export interface FastifyValidationError {
  readonly validation: readonly (FastifySchemaValidationError & { readonly parentSchema?: unknown; readonly data?: unknown })[];
  readonly validationContext?: ValidationContext;
}

export interface ValidationDescription {
  readonly message: string;
  readonly details: { readonly field: string; readonly in: string; readonly allowed?: unknown };
}

const LOCATION: Readonly<Record<ValidationContext, string>> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

const LIMIT_KEYWORDS = new Set([
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf',
]);

export function describeValidationError(error: FastifyValidationError): ValidationDescription {
  const location = LOCATION[error.validationContext ?? 'body'];
  // Ajv stops at the first error (allErrors is off against denial of service), so the first
  // entry is the one that failed; `anyOf` adds its summary after its members.
  const first = error.validation[0];
  if (first === undefined) return { message: `${location} is invalid`, details: { field: location, in: location } };
  const path = first.instancePath.replace(/^\//, '');
  const where = (field: string) => (field === '' ? location : `${location}/${field}`);
  const join = (name: unknown) => (path === '' ? String(name) : `${path}/${String(name)}`);
  const noun = location === 'body' ? 'field' : 'parameter';

  switch (first.keyword) {
    case 'required': {
      const field = join(first.params['missingProperty']);
      return { message: `${where(field)} is required`, details: { field, in: location } };
    }
    case 'additionalProperties': {
      const field = join(first.params['additionalProperty']);
      const allowed = knownProperties(first.parentSchema);
      return {
        message: `${where(field)} is not a known ${noun}; allowed: ${allowed.join(', ') || 'none'}`,
        details: { field, in: location, allowed },
      };
    }
    case 'enum': {
      const allowed = first.params['allowedValues'];
      const list = Array.isArray(allowed) ? allowed.join(', ') : String(allowed);
      const got = first.data === undefined ? '' : ` (got ${JSON.stringify(first.data)})`;
      return { message: `${where(path)} must be one of: ${list}${got}`, details: { field: path || location, in: location, allowed } };
    }
    case 'type':
      return { message: `${where(path)} ${first.message ?? 'has the wrong type'}`, details: { field: path || location, in: location, allowed: first.params['type'] } };
    case 'pattern':
    case 'format':
      return {
        message: `${where(path)} ${first.message ?? 'is malformed'}`,
        details: { field: path || location, in: location, allowed: { [first.keyword]: first.params[first.keyword] } },
      };
  }
  if (LIMIT_KEYWORDS.has(first.keyword)) {
    return {
      message: `${where(path)} ${first.message ?? 'is out of range'}`,
      details: { field: path || location, in: location, allowed: { [first.keyword]: first.params['limit'] } },
    };
  }
  return { message: `${where(path)} ${first.message ?? 'is invalid'}`, details: { field: path || location, in: location, allowed: first.params } };
}

function knownProperties(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const properties = (schema as { properties?: unknown }).properties;
  return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
}
