import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ec2Error } from './ec2-error.js';
import { readFilters } from './filters.js';
import { QueryParams, parseForm } from './query-params.js';

function params(query: string): QueryParams {
  return new QueryParams(parseForm(query));
}

function throwsCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Ec2Error, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('form decoding: + is a space, percent escapes, a repeated name is refused', () => {
  const p = params('Action=RunInstances&TagSpecification.1.Tag.1.Value=web+server%21');
  assert.equal(p.string('TagSpecification.1.Tag.1.Value'), 'web server!');
  throwsCode(() => parseForm('InstanceId.1=i-1&InstanceId.1=i-2'), 'InvalidParameter', /InstanceId\.1 appears more than once/);
});

test('lists are read in index order, gaps allowed; malformed indexes are refused', () => {
  assert.deepEqual(params('InstanceId.10=c&InstanceId.2=b&InstanceId.1=a').list('InstanceId'), ['a', 'b', 'c']);
  assert.deepEqual(params('Other=1').list('InstanceId'), []);
  throwsCode(() => params('InstanceId.0=a').list('InstanceId'), 'InvalidParameter', /numbered InstanceId\.1/);
  throwsCode(() => params('InstanceId.x=a').list('InstanceId'), 'InvalidParameter');
  throwsCode(() => params('InstanceId.1.Foo=a').list('InstanceId'), 'InvalidParameter', /list of values/);
});

test('structures: Filter.N.Name with Filter.N.Value.M, nested tags', () => {
  const p = params('Filter.1.Name=instance-state-name&Filter.1.Value.1=running&Filter.1.Value.2=stopped&Filter.2.Name=tag:env&Filter.2.Value.1=prod');
  const filters = readFilters(p, { fields: { 'instance-state-name': () => 'x' }, tags: () => ({}) });
  assert.deepEqual(filters, [
    { name: 'instance-state-name', values: ['running', 'stopped'] },
    { name: 'tag:env', values: ['prod'] },
  ]);
  throwsCode(() => readFilters(params('Filter.1.Name=nope&Filter.1.Value.1=x'), { fields: { a: () => 'x' } }), 'InvalidParameterValue', /The filter 'nope' is invalid; the filters this action supports are a/);
  throwsCode(() => readFilters(params('Filter.1.Name=a'), { fields: { a: () => 'x' } }), 'MissingParameter', /Filter\.1\.Value\.1/);
});

test('scalars: integers, booleans and required values name the parameter', () => {
  const p = params('MaxResults=7&DryRun=true&Bad=1.5&Flag=yes');
  assert.equal(p.integer('MaxResults', { min: 5, max: 1000 }), 7);
  assert.equal(p.boolean('DryRun'), true);
  throwsCode(() => p.integer('Bad'), 'InvalidParameterValue', /Value \(1\.5\) for parameter Bad is invalid/);
  throwsCode(() => p.boolean('Flag'), 'InvalidParameterValue', /true or false/);
  throwsCode(() => params('MaxResults=3').integer('MaxResults', { min: 5, max: 1000 }), 'InvalidParameterValue', /from 5 to 1000/);
  throwsCode(() => p.requiredString('ImageId', 'an image id'), 'MissingParameter', /ImageId: an image id/);
});

test('parameters nobody read are refused by name, with what the action takes', () => {
  const p = params('Action=DescribeInstances&InstanceId.1=i-1&SubnetId=subnet-1');
  p.consume('Action');
  p.list('InstanceId');
  throwsCode(() => p.rejectUnread('DescribeInstances', ['InstanceId.N']), 'UnknownParameter', /SubnetId is not recognized or not supported by Skyport for DescribeInstances; it accepts InstanceId\.N/);
  const q = params('Action=DescribeRegions');
  q.consume('Action');
  q.rejectUnread('DescribeRegions', []);
});
