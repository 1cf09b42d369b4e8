/**
 * The two envelopes of the EC2 Query protocol: `<ActionResponse>` in the API's namespace with
 * `requestId` first, and the error document `<Response><Errors><Error>` with `RequestID`.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/query-api-troubleshooting.html
 */
import type { Ec2Error } from './ec2-error.js';
import { xmlDocument, type XmlFields } from './xml-writer.js';

export const EC2_API_VERSION = '2016-11-15';
export const EC2_NAMESPACE = `http://ec2.amazonaws.com/doc/${EC2_API_VERSION}/`;

export function successDocument(action: string, requestId: string, result: XmlFields): string {
  return xmlDocument(`${action}Response`, { requestId, ...result }, { xmlns: EC2_NAMESPACE });
}

export function errorDocument(error: Ec2Error, requestId: string): string {
  return xmlDocument('Response', { Errors: { Error: { Code: error.code, Message: error.message } }, RequestID: requestId });
}
