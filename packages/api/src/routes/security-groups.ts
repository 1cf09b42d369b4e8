/**
 * Security groups: created, changed and deleted at once (no operation), like key pairs.
 * Rules are added with `POST .../ingress|egress` and removed with `POST .../ingress|egress/revoke`
 * (a POST rather than a DELETE with a body, which some proxies and clients drop).
 */
import { Type } from '@sinclair/typebox';
import { API_PREFIX } from '../api-prefix.js';
import { SecurityGroupRuleSchema, SecurityGroupSchema } from '../schemas/entities.js';
import { errorResponses } from '../schemas/error.js';
import { IdParams, ReadonlyArray, TagsSchema } from '../schemas/helpers.js';
import { inventoryRoutes } from './inventory-routes.js';
import type { RoutePlugin } from './plugin.js';

export const CreateSecurityGroupBody = Type.Object(
  {
    providerId: Type.String({ minLength: 1, description: 'The provider (id or name) to create the group in.' }),
    name: Type.String({ minLength: 1, description: 'Unique within the provider.' }),
    description: Type.String({ maxLength: 255 }),
    tags: Type.Optional(TagsSchema),
  },
  { additionalProperties: false },
);

export const RulesBody = Type.Object(
  { rules: ReadonlyArray(Type.Ref(SecurityGroupRuleSchema), { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false, description: 'The rules to add or remove.' },
);

const DIRECTIONS = [
  ['ingress', 'Ingress', 'inbound'],
  ['egress', 'Egress', 'outbound'],
] as const;

export const securityGroupRoutes: RoutePlugin = async (app, { broker }) => {
  inventoryRoutes(app, {
    path: 'security-groups',
    noun: 'security group',
    plural: 'security groups',
    operationIds: ['listSecurityGroups', 'getSecurityGroup'],
    entity: SecurityGroupSchema,
    list: (query) => broker.securityGroups.list(query),
    get: (id) => broker.securityGroups.get(id),
  });

  app.post(
    '/security-groups',
    {
      schema: {
        operationId: 'createSecurityGroup',
        tags: ['security-groups'],
        summary: 'Create a security group',
        description: '501 Unsupported when the provider has no security groups (capability `securityGroups`); 409 AlreadyExists for a name in use.',
        body: CreateSecurityGroupBody,
        response: { 201: Type.Ref(SecurityGroupSchema, { description: 'The group was created.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const group = await broker.securityGroups.create(request.body);
      void reply.code(201).header('location', `${API_PREFIX}/security-groups/${group.id}`);
      return group;
    },
  );

  app.delete(
    '/security-groups/:id',
    {
      schema: {
        operationId: 'deleteSecurityGroup',
        tags: ['security-groups'],
        summary: 'Delete a security group',
        description: '409 InvalidState while an instance that is not terminated is in the group.',
        params: IdParams,
        response: { 204: Type.Null({ description: 'The group was deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await broker.securityGroups.delete(request.params.id);
      return reply.code(204).send(null);
    },
  );

  for (const [direction, label, traffic] of DIRECTIONS) {
    const egressNote = direction === 'egress' ? ' 501 Unsupported unless the provider manages egress rules (capability `securityGroups.egress`).' : '';
    app.post(
      `/security-groups/:id/${direction}`,
      {
        schema: {
          operationId: `authorizeSecurityGroup${label}`,
          tags: ['security-groups'],
          summary: `Allow ${traffic} traffic`,
          description: `Adds ${direction} rules. 400 InvalidArgument names the rule field that is wrong; 409 AlreadyExists for a rule the group already has.${egressNote}`,
          params: IdParams,
          body: RulesBody,
          response: { 200: Type.Ref(SecurityGroupSchema, { description: 'The group after the change.' }), ...errorResponses },
        },
      },
      async (request) => broker.securityGroups.authorize(request.params.id, direction, request.body.rules),
    );
    app.post(
      `/security-groups/:id/${direction}/revoke`,
      {
        schema: {
          operationId: `revokeSecurityGroup${label}`,
          tags: ['security-groups'],
          summary: `Stop allowing ${traffic} traffic`,
          description: `Removes ${direction} rules, matched by protocol, ports and CIDR. 404 NotFound for a rule the group does not have.${egressNote}`,
          params: IdParams,
          body: RulesBody,
          response: { 200: Type.Ref(SecurityGroupSchema, { description: 'The group after the change.' }), ...errorResponses },
        },
      },
      async (request) => broker.securityGroups.revoke(request.params.id, direction, request.body.rules),
    );
  }
};
