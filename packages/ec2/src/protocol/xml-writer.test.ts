import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ec2Error } from './ec2-error.js';
import { errorDocument, successDocument } from './envelope.js';
import { escapeXml, items, xmlDocument } from './xml-writer.js';

test('members in order, lists as <item>, empty lists self-closed, undefined left out', () => {
  const xml = xmlDocument('R', { b: 1, a: 'x', none: undefined, set: items([{ k: 'v' }, { k: 'w' }]), empty: items([]), flag: false, at: new Date('2025-01-02T03:04:05.006Z') });
  assert.equal(xml, '<?xml version="1.0" encoding="UTF-8"?>\n<R><b>1</b><a>x</a><set><item><k>v</k></item><item><k>w</k></item></set><empty/><flag>false</flag><at>2025-01-02T03:04:05.006Z</at></R>');
});

test('text is escaped, and characters XML cannot carry are replaced', () => {
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  assert.equal(escapeXml('bell\u0007 and \uD800 lone'), 'bell\uFFFD and \uFFFD lone');
  assert.equal(escapeXml('tab\tline\nok 😀'), 'tab\tline\nok 😀');
});

test('success and error envelopes as EC2 writes them', () => {
  assert.equal(
    successDocument('RebootInstances', 'req-1', { return: true }),
    '<?xml version="1.0" encoding="UTF-8"?>\n<RebootInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><return>true</return></RebootInstancesResponse>',
  );
  assert.equal(
    errorDocument(new Ec2Error('InvalidInstanceID.NotFound', "The instance ID 'i-1' does not exist"), 'req-2'),
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID &apos;i-1&apos; does not exist</Message></Error></Errors><RequestID>req-2</RequestID></Response>",
  );
});
