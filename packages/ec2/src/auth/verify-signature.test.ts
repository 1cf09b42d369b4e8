import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ec2Error } from '../protocol/ec2-error.js';
import { presignUrl, signHeaders } from '../testing/sign-request.js';
import { canonicalQuery, canonicalUri, queryPairs, sha256Hex, uriEncode } from './sigv4-canonical.js';
import { verifySignature, type ReceivedRequest } from './verify-signature.js';

const KEY = { accessKeyId: 'AKSP-0123456789abcdef0', secretAccessKey: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' };
const NOW = new Date('2025-03-01T12:00:00Z');
const lookup = async (id: string) => (id === KEY.accessKeyId ? { secretAccessKey: KEY.secretAccessKey, principal: 'alice' } : undefined);
const verify = (request: ReceivedRequest, now = NOW) => verifySignature(request, { service: 'ec2', now, lookup });

function received(method: string, url: string, headers: Record<string, string>, body = ''): ReceivedRequest {
  return { method, url, rawHeaders: Object.entries(headers).flat(), body: Buffer.from(body) };
}

async function rejects(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof Ec2Error, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test("AWS's published example (IAM ListUsers) verifies", async () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html (2015 example values)
  const request = received('GET', '/?Action=ListUsers&Version=2010-05-08', {
    Host: 'iam.amazonaws.com',
    'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
    'X-Amz-Date': '20150830T123600Z',
    Authorization:
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
  });
  const verified = await verifySignature(request, {
    service: 'iam',
    now: new Date('2015-08-30T12:40:00Z'),
    lookup: async () => ({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', principal: 'example' }),
  });
  assert.deepEqual([verified.accessKeyId, verified.region, verified.form], ['AKIDEXAMPLE', 'us-east-1', 'header']);
});

test('canonical pieces: RFC 3986 encoding, sorted query, normalized path', () => {
  assert.equal(uriEncode("a b+c/d*e!'()~"), "a%20b%2Bc%2Fd%2Ae%21%27%28%29~");
  assert.equal(canonicalQuery(queryPairs('b=2&a=2&a=1&c')), 'a=1&a=2&b=2&c=');
  assert.equal(canonicalQuery(queryPairs('Filter.1.Value.1=x+y&Name=%7E')), 'Filter.1.Value.1=x%20y&Name=~');
  assert.equal(canonicalUri('/'), '/');
  assert.equal(canonicalUri('/a/./b/../c//d/'), '/a/c/d/');
  assert.equal(canonicalUri('/a%20b'), '/a%2520b');
});

test('a POST signed over only the headers the client chose verifies, whatever else is sent', async () => {
  const body = 'Action=DescribeRegions&Version=2016-11-15';
  const headers = signHeaders({ method: 'POST', url: '/', host: '127.0.0.1:8773', body, ...KEY, region: 'sim-east', date: NOW });
  const verified = await verify(received('POST', '/', { ...headers, 'User-Agent': 'not signed', 'X-Forwarded-For': '10.0.0.1' }, body));
  assert.equal(verified.principal, 'alice');
  assert.equal(verified.region, 'sim-east');
});

test('more signed headers (as the JS SDK sends) verify too, padded values included', async () => {
  const body = 'Action=DescribeRegions&Version=2016-11-15';
  const extra = { 'x-amz-content-sha256': sha256Hex(body), 'amz-sdk-request': 'attempt=1;  max=3', 'content-length': String(body.length) };
  const headers = signHeaders({ method: 'POST', url: '/', host: 'localhost', body, ...KEY, region: 'r', date: NOW, headers: extra });
  assert.match(headers['authorization']!, /SignedHeaders=amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date,/);
  assert.equal((await verify(received('POST', '/', { ...headers, 'amz-sdk-request': '  attempt=1; max=3 ' }, body))).principal, 'alice');
  const lying = signHeaders({ method: 'POST', url: '/', host: 'localhost', body, ...KEY, region: 'r', date: NOW, headers: { 'x-amz-content-sha256': sha256Hex('other') } });
  await rejects(verify(received('POST', '/', lying, body)), 'AuthFailure', /x-amz-content-sha256/);
});

test('a changed body, method, header or secret breaks the signature', async () => {
  const body = 'Action=TerminateInstances&InstanceId.1=i-1';
  const headers = signHeaders({ method: 'POST', url: '/', host: 'localhost', body, ...KEY, region: 'r', date: NOW });
  await rejects(verify(received('POST', '/', headers, body.replace('i-1', 'i-2'))), 'AuthFailure', /signature does not match/);
  await rejects(verify(received('PUT', '/', headers, body)), 'AuthFailure');
  await rejects(verify(received('POST', '/', { ...headers, host: 'elsewhere' }, body)), 'AuthFailure');
  const otherSecret = signHeaders({ method: 'POST', url: '/', host: 'localhost', body, ...KEY, secretAccessKey: 'wrong', region: 'r', date: NOW });
  await rejects(verify(received('POST', '/', otherSecret, body)), 'AuthFailure', /signature does not match/);
});

test('an unknown access key is an AuthFailure naming it', async () => {
  const headers = signHeaders({ method: 'GET', url: '/?Action=DescribeRegions', host: 'h', ...KEY, accessKeyId: 'AKSP-nobody', region: 'r', date: NOW });
  await rejects(verify(received('GET', '/?Action=DescribeRegions', headers)), 'AuthFailure', /AKSP-nobody is not known/);
});

test('clocks more than 15 minutes apart: RequestExpired, both ways', async () => {
  for (const offsetMin of [16, -16]) {
    const date = new Date(NOW.getTime() + offsetMin * 60_000);
    const headers = signHeaders({ method: 'GET', url: '/?Action=DescribeRegions', host: 'h', ...KEY, region: 'r', date });
    await rejects(verify(received('GET', '/?Action=DescribeRegions', headers)), 'RequestExpired', /check the client's clock/);
  }
  const fine = signHeaders({ method: 'GET', url: '/?Action=DescribeRegions', host: 'h', ...KEY, region: 'r', date: new Date(NOW.getTime() - 14 * 60_000) });
  assert.equal((await verify(received('GET', '/?Action=DescribeRegions', fine))).principal, 'alice');
});

test('presigned URLs verify until they expire', async () => {
  const url = presignUrl({ url: '/?Action=DescribeRegions&Version=2016-11-15', host: 'h:1', ...KEY, region: 'sim-west', date: NOW, expiresSeconds: 300 });
  const verified = await verify(received('GET', url, { Host: 'h:1' }));
  assert.equal(verified.form, 'query');
  assert.ok(verified.signatureParams.includes('X-Amz-Signature'));
  await rejects(verify(received('GET', url, { Host: 'h:1' }), new Date(NOW.getTime() + 301_000)), 'RequestExpired', /valid until/);
  await rejects(verify(received('GET', url.replace('DescribeRegions', 'DescribeImages'), { Host: 'h:1' })), 'AuthFailure');
});

test('malformed or missing signatures name what is wrong', async () => {
  await rejects(verify(received('GET', '/?Action=DescribeRegions', { Host: 'h' })), 'AuthFailure', /not signed/);
  await rejects(verify(received('GET', '/?Action=DescribeRegions&AWSAccessKeyId=x&Signature=y', { Host: 'h' })), 'IncompleteSignature', /Version 2/);
  await rejects(verify(received('GET', '/', { Host: 'h', Authorization: 'AWS4-HMAC-SHA1 Credential=a' })), 'IncompleteSignature', /only Signature Version 4/);
  await rejects(verify(received('GET', '/', { Host: 'h', Authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/ec2/aws4_request, SignedHeaders=host;x-amz-date' })), 'IncompleteSignature', /'Signature'/);
  const good = signHeaders({ method: 'GET', url: '/', host: 'h', ...KEY, region: 'r', date: NOW });
  await rejects(verify(received('GET', '/', { ...good, authorization: good['authorization']!.replace('/ec2/', '/s3/') })), 'AuthFailure', /service: 'ec2'/);
  await rejects(verify(received('GET', '/', { ...good, authorization: good['authorization']!.replace('SignedHeaders=host;x-amz-date', 'SignedHeaders=host') })), 'IncompleteSignature', /x-amz-date/);
  await rejects(verify(received('GET', '/', { ...good, 'x-amz-date': '2025-03-01' })), 'IncompleteSignature', /YYYYMMDDTHHMMSSZ/);
  await rejects(verify(received('GET', '/', { ...good, 'x-amz-security-token': 't' })), 'AuthFailure', /Temporary credentials/);
  const { host: _host, ...noHost } = good;
  await rejects(verify(received('GET', '/', noHost)), 'IncompleteSignature', /host is not in the request/);
});
