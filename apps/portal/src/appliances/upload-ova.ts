/**
 * Sends an OVA to `POST /api/v1/images/import` with XMLHttpRequest instead of the client's
 * fetch: browsers report upload progress only to XHR, and an OVA is gigabytes. The URL,
 * headers and error handling are the client's (`images.import`, `errorFromResponse`).
 */
import { errorFromResponse, unreachableError, type ImportImageRequest } from '@skyport/client';
import type { Operation } from '@skyport/model';
import { CSRF_COOKIE, readCookie } from '../session/cookies.js';

export interface UploadOptions {
  /** The typed-in API token; a cookie session sends its CSRF value instead. */
  readonly token: string | undefined;
  readonly onProgress: (sentBytes: number, totalBytes: number) => void;
  readonly signal?: AbortSignal;
}

export function uploadOva(request: ImportImageRequest, file: Blob, options: UploadOptions): Promise<Operation> {
  const query = new URLSearchParams({ provider: request.provider, name: request.name });
  if (request.fileName !== undefined) query.set('fileName', request.fileName);
  if (request.description !== undefined) query.set('description', request.description);
  if (request.lax === true) query.set('lax', 'true');
  const url = `${window.location.origin}/api/v1/images/import?${query.toString()}`;

  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('content-type', 'application/x-tar');
    if (options.token !== undefined) xhr.setRequestHeader('authorization', `Bearer ${options.token}`);
    else xhr.setRequestHeader('x-csrf-token', readCookie(CSRF_COOKIE) ?? '');
    xhr.upload.onprogress = (event) => options.onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      let body: unknown = xhr.responseText;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON: errorFromResponse quotes the text.
      }
      if (xhr.status === 202) resolve(body as Operation);
      else reject(errorFromResponse(xhr.status, body, xhr.getResponseHeader('retry-after'), `POST ${url}`));
    };
    xhr.onerror = () => reject(unreachableError(window.location.origin, new Error('the upload was interrupted')));
    xhr.onabort = () => reject(new DOMException('the upload was cancelled', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}
