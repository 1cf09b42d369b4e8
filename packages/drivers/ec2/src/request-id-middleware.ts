/**
 * EC2 puts an error's request id in the body (`<Response>…<RequestID>…</RequestID>`), but the
 * AWS SDK v3 reads request ids from the `x-amzn-RequestId` header only, so errors from endpoints
 * that send no such header would lose it. This middleware sits just before the deserializer,
 * copies the id from an error body into that header, and hands the (small) body on unchanged.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html#api-error-response
 */
import type { EC2Client } from '@aws-sdk/client-ec2';

interface RawResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

function isRawResponse(value: unknown): value is RawResponse {
  return typeof value === 'object' && value !== null && typeof (value as RawResponse).statusCode === 'number' && typeof (value as RawResponse).headers === 'object';
}

async function collect(body: unknown): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body !== null && typeof body === 'object' && Symbol.asyncIterator in body) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  return Buffer.alloc(0);
}

export function addRequestIdFromErrorBody(client: EC2Client): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response: unknown = result.response;
      if (isRawResponse(response) && response.statusCode >= 400) {
        const hasHeader = Object.keys(response.headers).some((h) => h.toLowerCase() === 'x-amzn-requestid');
        if (!hasHeader) {
          const body = await collect(response.body);
          const id = /<RequestI[Dd]>([^<]+)<\/RequestI[Dd]>/.exec(body.toString('utf8'))?.[1];
          if (id !== undefined) response.headers['x-amzn-requestid'] = id;
          response.body = new Uint8Array(body);
        }
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'skyportRequestIdFromErrorBody' },
  );
}
