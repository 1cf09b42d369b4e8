/**
 * The protocol as raw HTTP, for what real clients never send: bad and skewed signatures,
 * presigned URLs, unknown actions and parameters, paging edge cases, viewers and DryRun.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CreatedAccessKey } from '@skyport/core';
import { presignUrl, signHeaders } from '../testing/sign-request.js';
import { startEc2Broker, type Ec2TestBroker } from '../testing/ec2-broker.js';

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
  /** `<Code>` of an error answer. */
  readonly code: string | undefined;
}

describe('EC2 Query protocol over HTTP', () => {
  let broker: Ec2TestBroker;
  let host: string;

  interface CallOptions {
    readonly method?: 'GET' | 'POST';
    readonly key?: CreatedAccessKey;
    readonly date?: Date;
    readonly region?: string;
    readonly contentType?: string;
    readonly path?: string;
    /** Change the request after signing (tampering). */
    readonly tamper?: (body: string) => string;
  }

  async function call(params: Record<string, string>, options: CallOptions = {}): Promise<Answer> {
    const method = options.method ?? 'POST';
    const key = options.key ?? broker.key;
    const form = new URLSearchParams({ Version: '2016-11-15', ...params }).toString();
    const path = options.path ?? '/';
    const url = method === 'GET' ? `${path}?${form}` : path;
    const body = method === 'POST' ? form : undefined;
    const headers = signHeaders({ method, url, host, ...(body === undefined ? {} : { body }), ...key, region: options.region ?? broker.region, ...(options.date === undefined ? {} : { date: options.date }) });
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    const { host: _host, ...sent } = headers;
    const response = await fetch(`${broker.endpoint}${url}`, { method, headers: sent, ...(body === undefined ? {} : { body: options.tamper ? options.tamper(body) : body }) });
    const text = await response.text();
    return { status: response.status, body: text, headers: response.headers, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] };
  }

  function assertError(answer: Answer, status: number, code: string, message?: RegExp): void {
    assert.equal(answer.code, code, answer.body);
    assert.equal(answer.status, status, answer.body);
    assert.match(answer.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>[^<]+<\/Code><Message>[^<]*<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/);
    assert.equal(answer.headers.get('x-amzn-requestid'), /<RequestID>([^<]+)</.exec(answer.body)?.[1]);
    if (message) assert.match(answer.body, message);
  }

  before(async () => {
    broker = await startEc2Broker({ region: 'proto' });
    host = new URL(broker.endpoint).host;
    await broker.admin.providers.add({ name: 'many', driver: 'sim', region: 'many-1', settings: { latencyMs: 1, transitionMs: 150, seedInstances: 12 } });
    await broker.admin.providers.sync('many');
  });
  after(async () => {
    await broker?.close();
  });

  test('a signed POST answers in the EC2 namespace with requestId, x-amzn-RequestId and Date', async () => {
    const answer = await call({ Action: 'DescribeRegions' });
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^text\/xml/);
    const requestId = answer.headers.get('x-amzn-requestid');
    assert.ok(requestId);
    assert.ok(Math.abs(Date.parse(answer.headers.get('date')!) - Date.now()) < 5000);
    assert.equal(
      answer.body,
      `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId><regionInfo><item><regionName>many</regionName><regionEndpoint>${host}</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item><item><regionName>proto</regionName><regionEndpoint>${host}</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item></regionInfo></DescribeRegionsResponse>`,
    );
  });

  test('GET with the parameters in the query, and presigned URLs', async () => {
    assert.equal((await call({ Action: 'DescribeAvailabilityZones' }, { method: 'GET' })).status, 200);
    const url = presignUrl({ url: '/?Action=DescribeInstanceTypes&Version=2016-11-15&InstanceType.1=small', host, ...broker.key, region: broker.region, expiresSeconds: 60 });
    const answer = await fetch(`${broker.endpoint}${url}`);
    const body = await answer.text();
    assert.equal(answer.status, 200, body);
    assert.match(body, /<instanceType>small<\/instanceType>/);
    const expired = presignUrl({ url: '/?Action=DescribeRegions', host, ...broker.key, region: broker.region, expiresSeconds: 60, date: new Date(Date.now() - 120_000) });
    assert.match(await (await fetch(`${broker.endpoint}${expired}`)).text(), /<Code>RequestExpired<\/Code>/);
  });

  test('bad signatures, unknown keys and skewed clocks', async () => {
    assertError(await call({ Action: 'DescribeRegions' }, { key: { ...broker.key, secretAccessKey: 'not-the-secret' } }), 401, 'AuthFailure', /signature does not match/);
    assertError(await call({ Action: 'DescribeRegions' }, { key: { accessKeyId: 'AKSP-00000000000000000', secretAccessKey: 'x' } }), 401, 'AuthFailure', /the access key id is not valid \(AKSP-00000000000000000\)/);
    assertError(await call({ Action: 'TerminateInstances', 'InstanceId.1': 'i-00000000000000001' }, { tamper: (b) => b.replace('00001', '00002') }), 401, 'AuthFailure');
    assertError(await call({ Action: 'DescribeRegions' }, { date: new Date(Date.now() - 20 * 60_000) }), 400, 'RequestExpired', /check the client&apos;s clock/);
    assertError(await call({ Action: 'DescribeRegions' }, { date: new Date(Date.now() + 20 * 60_000) }), 400, 'RequestExpired');
    const unsigned = await fetch(`${broker.endpoint}/?Action=DescribeRegions`);
    assert.equal(unsigned.status, 401);
    assert.match(await unsigned.text(), /<Code>AuthFailure<\/Code><Message>The request is not signed/);
  });

  test('guessing keys from one address is slowed down: RequestLimitExceeded with Retry-After', async () => {
    const codes: string[] = [];
    let limited: Answer | undefined;
    for (let i = 0; i < 30; i++) {
      const answer = await call({ Action: 'DescribeRegions' }, { key: { accessKeyId: `AKSPGUESS${String(i).padStart(11, '0')}`, secretAccessKey: 'x' } });
      codes.push(answer.code ?? String(answer.status));
      if (answer.code === 'RequestLimitExceeded') limited ??= answer;
    }
    assert.ok(limited, `never limited: ${codes.join(',')}`);
    assertError(limited, 503, 'RequestLimitExceeded', /too many requests from address/);
    // A valid key is not held back by someone else's failures.
    assert.equal((await call({ Action: 'DescribeRegions' })).status, 200);
  });

  test('unknown and missing actions, unknown and malformed parameters', async () => {
    assertError(await call({ Action: 'CreateVpc', CidrBlock: '10.0.0.0/16' }), 400, 'InvalidAction', /CreateVpc is not valid/);
    assertError(await call({}), 400, 'MissingAction');
    assertError(await call({ Action: 'DescribeInstances', SubnetId: 'subnet-1' }), 400, 'UnknownParameter', /SubnetId/);
    assertError(await call({ Action: 'DescribeInstances', MaxResults: 'ten' }), 400, 'InvalidParameterValue', /MaxResults/);
    assertError(await call({ Action: 'DescribeInstances', MaxResults: '4' }), 400, 'InvalidParameterValue', /from 5 to 1000/);
    assertError(await call({ Action: 'DescribeInstances', 'InstanceId.1': 'i-00000000000000001', MaxResults: '5' }), 400, 'InvalidParameterCombination');
    assertError(await call({ Action: 'DescribeInstances', 'Filter.1.Name': 'colour', 'Filter.1.Value.1': 'red' }), 400, 'InvalidParameterValue', /The filter &apos;colour&apos; is invalid/);
    assertError(await call({ Action: 'DescribeInstances', 'InstanceId.0': 'i-00000000000000001' }), 400, 'InvalidParameter');
    assertError(await call({ Action: 'RunInstances', InstanceType: 'small', MinCount: '1', MaxCount: '1' }), 400, 'MissingParameter', /ImageId/);
    assertError(await call({ Action: 'DescribeRegions' }, { contentType: 'application/json' }), 400, 'InvalidRequest', /must be a form/);
    assertError(await call({ Action: 'DescribeRegions' }, { path: '/v2/' }), 400, 'InvalidAction', /answers GET and POST at \//);
    assertError(await call({ Action: 'DescribeInstances' }, { region: 'nowhere' }), 401, 'AuthFailure', /regions are providers: many, proto/);
    assert.equal((await call({ Action: 'DescribeRegions' }, { region: 'nowhere' })).status, 200, 'DescribeRegions answers in any region');
  });

  test('paging: MaxResults pages, nextToken only while more follow, tokens bound to their query', async () => {
    const ids: string[] = [];
    let token: string | undefined;
    const sizes: number[] = [];
    do {
      const answer = await call({ Action: 'DescribeInstances', MaxResults: '5', ...(token === undefined ? {} : { NextToken: token }) }, { region: 'many' });
      assert.equal(answer.status, 200, answer.body);
      const page = [...answer.body.matchAll(/<instanceId>(i-[0-9a-f]+)<\/instanceId>/g)].map((m) => m[1]!);
      sizes.push(page.length);
      ids.push(...page);
      token = /<nextToken>([^<]+)<\/nextToken>/.exec(answer.body)?.[1];
      if (token === undefined) assert.doesNotMatch(answer.body, /nextToken/, 'the last page has no nextToken element at all');
    } while (token !== undefined);
    assert.deepEqual(sizes, [5, 5, 2]);
    assert.equal(new Set(ids).size, 12);
    const all = await call({ Action: 'DescribeInstances' }, { region: 'many' });
    assert.equal([...all.body.matchAll(/<instanceId>/g)].length, 12);
    assert.doesNotMatch(all.body, /nextToken/);
    const exact = await call({ Action: 'DescribeInstances', MaxResults: '12' }, { region: 'many' });
    assert.equal([...exact.body.matchAll(/<instanceId>/g)].length, 12);
    const empty = await call({ Action: 'DescribeInstances', MaxResults: '5', 'Filter.1.Name': 'tag:none', 'Filter.1.Value.1': 'x' }, { region: 'many' });
    assert.match(empty.body, /<reservationSet\/><\/DescribeInstancesResponse>$/);
    const first = await call({ Action: 'DescribeInstances', MaxResults: '5' }, { region: 'many' });
    const firstToken = /<nextToken>([^<]+)<\/nextToken>/.exec(first.body)![1]!;
    assertError(await call({ Action: 'DescribeInstances', MaxResults: '5', NextToken: firstToken, 'Filter.1.Name': 'instance-state-name', 'Filter.1.Value.1': 'running' }, { region: 'many' }), 400, 'InvalidPaginationToken');
    assertError(await call({ Action: 'DescribeInstances', MaxResults: '5', NextToken: 'garbage' }, { region: 'many' }), 400, 'InvalidPaginationToken');
  });

  test('viewers describe and dry-run reads; changes are UnauthorizedOperation, dry or not', async () => {
    const viewer = await broker.viewerKey();
    assert.equal((await call({ Action: 'DescribeInstances' }, { key: viewer })).status, 200);
    assertError(await call({ Action: 'DescribeInstances', DryRun: 'true' }, { key: viewer }), 412, 'DryRunOperation', /Request would have succeeded, but DryRun flag is set/);
    assertError(await call({ Action: 'CreateKeyPair', KeyName: 'v', DryRun: 'true' }, { key: viewer }), 403, 'UnauthorizedOperation');
    assertError(await call({ Action: 'CreateKeyPair', KeyName: 'v' }, { key: viewer }), 403, 'UnauthorizedOperation');
    assertError(await call({ Action: 'CreateKeyPair', KeyName: 'v', DryRun: 'true' }), 412, 'DryRunOperation');
    // DryRun still validates: a malformed request is refused for what it is.
    assertError(await call({ Action: 'TerminateInstances', 'InstanceId.1': 'bogus', DryRun: 'true' }), 400, 'InvalidInstanceID.Malformed');
    const keys = await call({ Action: 'DescribeKeyPairs' });
    assert.doesNotMatch(keys.body, /<keyName>v<\/keyName>/, 'nothing was created by the dry runs');
  });
});
