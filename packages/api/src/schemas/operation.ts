/** Long actions: every create, action and delete that takes time answers `202` with one of these. */
import { Type } from '@sinclair/typebox';
import { ERROR_CODES, RESOURCE_KINDS, type ErrorCode } from '@skyport/model';
import { JsonObject, StringEnum } from './helpers.js';

export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as ErrorCode[];
export const OPERATION_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** How a failed operation records its error (the model's `SkyportErrorJson`). */
export const SkyportErrorJsonSchema = Type.Object(
  {
    code: StringEnum(ERROR_CODE_NAMES),
    message: Type.String(),
    retryable: Type.Boolean(),
    providerCode: Type.Optional(Type.String({ description: "The provider's own error code." })),
    requestId: Type.Optional(Type.String({ description: "The provider's request id." })),
    details: Type.Optional(JsonObject('Structured details: the offending field, allowed values, current state...')),
  },
  { $id: 'OperationError' },
);

export const OperationSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.String({ description: 'What is being done, e.g. `instance.create`, `volume.attach`.', examples: ['instance.create'] }),
    status: StringEnum(OPERATION_STATUSES),
    providerId: Type.Optional(Type.String()),
    targetKind: Type.Optional(StringEnum(RESOURCE_KINDS)),
    targetId: Type.Optional(Type.String({ description: 'The resource acted on; for creates, known once it exists.' })),
    progress: Type.Number({ minimum: 0, maximum: 100 }),
    message: Type.Optional(Type.String({ description: 'What is happening now.' })),
    result: Type.Optional(JsonObject('What the operation produced.')),
    error: Type.Optional(Type.Ref(SkyportErrorJsonSchema)),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'Operation', description: 'A long action; follow it with GET /api/v1/operations/{id} or .../wait.' },
);
