/**
 * A vim25 SOAP client: one session per driver (cookie `vmware_soap_session`), logged in on
 * first use and again when the server says the session is gone (`NotAuthenticated`, e.g.
 * after vCenter's idle timeout or a restart), every fault translated into SkyportError.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { SkyportError } from '@skyport/model';
import { Agent, fetch, type Dispatcher } from 'undici';
import { child, childText, envelope, escapeXml, moRef, parseXml, text, toMoRef, type MoRef, type XmlNode } from './soap-xml.js';
import { faultFromSoap, vimFaultToError } from './vim-faults.js';

export interface VimClientOptions {
  /** The SOAP endpoint, e.g. `https://vcenter.example.com/sdk`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Accept any server certificate (self-signed lab hosts). */
  readonly insecureTls: boolean;
  /** PEM of the CA (or the self-signed certificate) that signed the server's certificate. */
  readonly caCertificate?: string;
  readonly requestTimeoutMs: number;
}

/** The parts of the ServiceContent the driver uses. */
export interface ServiceContent {
  readonly rootFolder: MoRef;
  readonly propertyCollector: MoRef;
  readonly viewManager: MoRef;
  readonly sessionManager: MoRef;
  readonly searchIndex: MoRef;
  readonly ovfManager: MoRef | undefined;
  /** `VirtualCenter` or `HostAgent` (a standalone ESXi host). */
  readonly apiType: string;
  readonly apiVersion: string;
  readonly fullName: string;
}

const SERVICE_INSTANCE: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };
const SESSION_COOKIE = 'vmware_soap_session';

export class VimClient {
  readonly #options: VimClientOptions;
  readonly #dispatcher: Dispatcher;
  #content: Promise<ServiceContent> | undefined;
  #cookie: string | undefined;
  #login: Promise<void> | undefined;

  constructor(options: VimClientOptions) {
    this.#options = options;
    this.#dispatcher = new Agent({
      connect: {
        rejectUnauthorized: !options.insecureTls,
        ...(options.caCertificate === undefined ? {} : { ca: options.caCertificate }),
      },
      keepAliveTimeout: 10_000,
    });
  }

  get url(): string {
    return this.#options.url;
  }

  serviceContent(): Promise<ServiceContent> {
    this.#content ??= this.#retrieveServiceContent().catch((error: unknown) => {
      this.#content = undefined;
      throw error;
    });
    return this.#content;
  }

  /** Logs in now (even with a session), so a credentials check really checks. */
  async login(): Promise<void> {
    this.#cookie = undefined;
    await this.#ensureSession();
  }

  /**
   * Calls `method` on `target` with already-written parameter elements; returns the
   * response element (read its `returnval` children). `what` names the action in errors.
   */
  async call(method: string, target: MoRef, params: string, what: string): Promise<XmlNode> {
    return (await this.callWithText(method, target, params, what)).result;
  }

  /** Like `call`, also handing back the response as sent, for values passed on verbatim. */
  async callWithText(method: string, target: MoRef, params: string, what: string): Promise<{ result: XmlNode; payload: string }> {
    await this.#ensureSession();
    const used = this.#cookie;
    try {
      return await this.#invoke(method, target, params, what);
    } catch (error) {
      if (!(error instanceof SkyportError) || error.providerCode !== 'NotAuthenticated') throw error;
      // The session expired or the server restarted: one new login, then the same call again.
      // Calls in flight share that login: only the first to notice drops the old cookie.
      if (this.#cookie === used) this.#cookie = undefined;
      await this.#ensureSession();
      return this.#invoke(method, target, params, what);
    }
  }

  /**
   * Downloads a datastore file through vSphere's HTTP file access (`/folder/<path>?dcPath=
   * &dsName=`) to `dest`; returns the bytes written. `limit` caps a file expected to be small.
   */
  async downloadDatastoreFile(datacenter: string, datastore: string, path: string, dest: string, what: string, limit?: number): Promise<number> {
    await this.#ensureSession();
    const url = new URL(this.#options.url);
    url.pathname = `/folder/${path.split('/').map(encodeURIComponent).join('/')}`;
    url.search = new URLSearchParams({ dcPath: datacenter, dsName: datastore }).toString();
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(url, { headers: this.#cookie === undefined ? {} : { cookie: this.#cookie }, dispatcher: this.#dispatcher });
    } catch (error) {
      throw unreachable(url.origin, what, error, 'folder');
    }
    if (response.status === 404) {
      await response.body?.cancel();
      throw new SkyportError('NotFound', `the datastore file [${datastore}] ${path} does not exist (${what})`, { providerCode: 'FileNotFound' });
    }
    if (response.status !== 200 || response.body === null) {
      await response.body?.cancel();
      throw new SkyportError(response.status >= 500 ? 'ProviderUnavailable' : 'ProviderError', `vSphere answered HTTP ${response.status} to the download of [${datastore}] ${path} (${what})`, { providerCode: `HTTP${response.status}` });
    }
    let written = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        if (limit !== undefined && written > limit) callback(new SkyportError('ProviderError', `[${datastore}] ${path} is larger than ${limit} bytes; not a disk descriptor`, { providerCode: 'UnexpectedFile' }));
        else callback(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(response.body as WebReadableStream), counter, createWriteStream(dest));
    return written;
  }

  /**
   * Uploads a file to an NFC device URL of an HttpNfcLease (the host `*` in the URL the lease
   * hands out stands for the endpoint's own), reporting bytes sent.
   */
  async upload(deviceUrl: string, path: string, size: number, what: string, onBytes: (sent: number) => void): Promise<void> {
    const target = new URL(deviceUrl.replace('://*/', '://placeholder/'));
    const endpoint = new URL(this.#options.url);
    if (target.hostname === 'placeholder') {
      target.protocol = endpoint.protocol;
      target.host = endpoint.host;
    }
    let sent = 0;
    const file = createReadStream(path);
    file.on('data', (chunk) => {
      sent += chunk.length;
      onBytes(sent);
    });
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(target, {
        method: 'PUT',
        headers: {
          'content-type': 'application/x-vnd.vmware-streamVmdk',
          'content-length': String(size),
          ...(this.#cookie === undefined ? {} : { cookie: this.#cookie }),
        },
        body: Readable.toWeb(file) as ReadableStream,
        duplex: 'half',
        dispatcher: this.#dispatcher,
      });
      await response.text();
    } catch (error) {
      throw unreachable(target.origin, what, error, 'nfc');
    } finally {
      file.destroy();
    }
    if (response.status < 200 || response.status > 299) {
      throw new SkyportError('ProviderError', `vSphere answered HTTP ${response.status} to the disk upload while ${what}`, { providerCode: `HTTP${response.status}` });
    }
  }

  async close(): Promise<void> {
    if (this.#cookie !== undefined && this.#content !== undefined) {
      const content = await this.#content.catch(() => undefined);
      if (content !== undefined) await this.#invoke('Logout', content.sessionManager, '', 'logging out').catch(() => undefined);
    }
    this.#cookie = undefined;
    await this.#dispatcher.close();
  }

  async #ensureSession(): Promise<void> {
    if (this.#cookie !== undefined) return;
    this.#login ??= this.#doLogin().finally(() => {
      this.#login = undefined;
    });
    await this.#login;
  }

  async #doLogin(): Promise<void> {
    const content = await this.serviceContent();
    const params = text('userName', this.#options.username) + text('password', this.#options.password);
    await this.#invoke('Login', content.sessionManager, params, `logging in to ${this.#options.url} as ${JSON.stringify(this.#options.username)}`);
    if (this.#cookie === undefined) {
      throw new SkyportError('ProviderError', `vSphere at ${this.#options.url} accepted the login but set no ${SESSION_COOKIE} cookie; is this a vSphere SOAP endpoint?`, {
        providerCode: 'NoSessionCookie',
      });
    }
  }

  async #retrieveServiceContent(): Promise<ServiceContent> {
    const response = await this.#invoke('RetrieveServiceContent', SERVICE_INSTANCE, '', `connecting to ${this.#options.url}`);
    const rv = child(response.result, 'returnval');
    const ref = (name: string): MoRef => {
      const r = toMoRef(child(rv, name));
      if (r === undefined) {
        throw new SkyportError('ProviderError', `the ServiceContent of ${this.#options.url} has no ${name}; is this a vSphere SOAP endpoint?`, { providerCode: 'MalformedResponse' });
      }
      return r;
    };
    const about = child(rv, 'about');
    return {
      rootFolder: ref('rootFolder'),
      propertyCollector: ref('propertyCollector'),
      viewManager: ref('viewManager'),
      sessionManager: ref('sessionManager'),
      searchIndex: ref('searchIndex'),
      ovfManager: toMoRef(child(rv, 'ovfManager')),
      apiType: childText(about, 'apiType') ?? 'VirtualCenter',
      apiVersion: childText(about, 'apiVersion') ?? '6.7',
      fullName: childText(about, 'fullName') ?? 'vSphere',
    };
  }

  async #invoke(method: string, target: MoRef, params: string, what: string): Promise<{ result: XmlNode; payload: string }> {
    const operationId = `skyport-${randomUUID()}`;
    const body = envelope(`<${method} xmlns="urn:vim25">${moRef('_this', target)}${params}</${method}>`, operationId);
    const version = method === 'RetrieveServiceContent' ? '6.5' : ((await this.#content?.catch(() => undefined))?.apiVersion ?? '6.5');
    let response: Awaited<ReturnType<typeof fetch>>;
    let payload: string;
    try {
      response = await fetch(this.#options.url, {
        method: 'POST',
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          soapaction: `"urn:vim25/${version}"`,
          ...(this.#cookie === undefined ? {} : { cookie: this.#cookie }),
        },
        body,
        dispatcher: this.#dispatcher,
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs),
      });
      payload = await response.text();
    } catch (error) {
      throw unreachable(this.#options.url, what, error, operationId);
    }
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    if (setCookie !== undefined) this.#cookie = setCookie.split(';')[0];

    if (response.status !== 200 && response.status !== 500) {
      const retryable = response.status >= 500 || response.status === 429;
      throw new SkyportError(retryable ? 'ProviderUnavailable' : 'ProviderError', `vSphere at ${this.#options.url} answered HTTP ${response.status} while ${what}; is the URL a vSphere SOAP endpoint (…/sdk)?`, {
        providerCode: `HTTP${response.status}`,
        requestId: operationId,
      });
    }
    let doc: Record<string, unknown>;
    try {
      doc = parseXml(payload);
    } catch (error) {
      if (error instanceof SkyportError) throw error;
      throw new SkyportError('ProviderError', `vSphere at ${this.#options.url} sent a response that is not XML while ${what}`, { providerCode: 'MalformedResponse', requestId: operationId, cause: error });
    }
    const soapBody = child(child(doc, 'Envelope'), 'Body');
    const fault = child(soapBody, 'Fault');
    if (fault !== undefined) throw vimFaultToError(faultFromSoap(fault), what, operationId);
    const result = child(soapBody, `${method}Response`);
    if (result === undefined) {
      throw new SkyportError('ProviderError', `vSphere at ${this.#options.url} sent no ${escapeXml(method)}Response while ${what} (HTTP ${response.status})`, {
        providerCode: 'MalformedResponse',
        requestId: operationId,
      });
    }
    return { result, payload };
  }
}

/** A network or TLS failure, in words that say what to check. */
function unreachable(url: string, what: string, error: unknown, requestId: string): SkyportError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error instanceof Error && error.name === 'TimeoutError' ? 'Timeout' : undefined);
  const tls = code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code);
  const reason = tls
    ? `its TLS certificate is not trusted (${code}); set the provider setting caCertificate to the PEM of its CA, or insecureTls to true for a lab host`
    : code === 'Timeout'
      ? 'it did not answer in time'
      : `it could not be reached (${code ?? (error instanceof Error ? error.message : String(error))})`;
  return new SkyportError('ProviderUnavailable', `vSphere at ${url} failed while ${what}: ${reason}`, {
    providerCode: code ?? 'NetworkError',
    requestId,
    retryable: !tls,
    cause: error,
  });
}
