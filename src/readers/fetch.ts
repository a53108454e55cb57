/**
 * Fetching a web page for `lectern build https://...`: naming the URL is the user's
 * permission to use the network for that page and its images. Bounded: http(s) only, at
 * most `MAX_REDIRECTS` redirects (each checked again), `maxBytes` of body and
 * `FETCH_TIMEOUT_MS` in all. Every failure is one line naming the URL.
 */
import { LecternError } from '../article/diagnostics.js';

/** Most redirects followed before giving up (browsers allow 20; pages need one or two). */
export const MAX_REDIRECTS = 5;
/** How long a page may take to arrive, redirects included. */
export const FETCH_TIMEOUT_MS = 30_000;

export const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

export interface FetchedPage {
  /** The URL the page finally came from, after redirects. */
  url: string;
  bytes: Buffer;
  /** The charset of the `Content-Type` header, if it gives one. */
  charset?: string;
}

export interface FetchOptions {
  maxBytes: number;
  signal?: AbortSignal;
  /** Default: `FETCH_TIMEOUT_MS`. */
  timeoutMs?: number;
}

const fail = (url: string, message: string, cause?: unknown) => new LecternError(message, 'input:fetch', { file: url }, cause ? { cause } : undefined);

/** Why a request failed, as a person would say it: DNS, refused, timed out, offline. */
function networkReason(e: unknown, host: string): string {
  const code = (e as { cause?: { code?: string } })?.cause?.code ?? (e as { code?: string })?.code;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `could not find the host ${host} (are you offline?)`;
    case 'ECONNREFUSED':
      return `${host} refused the connection`;
    case 'ECONNRESET':
      return `${host} closed the connection`;
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return `could not reach ${host} (are you offline?)`;
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `${host} has an invalid TLS certificate (${code})`;
    default:
      return `could not connect to ${host}${code ? ` (${code})` : ''}`;
  }
}

export async function fetchPage(url: string, options: FetchOptions): Promise<FetchedPage> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? FETCH_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let current = url;
  for (let hop = 0; ; hop++) {
    let target: URL;
    try {
      target = new URL(current);
    } catch {
      throw fail(url, `is not a valid URL`);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw fail(url, `redirected to ${target.protocol} URL, which lectern does not follow`);
    let res: Response;
    try {
      res = await fetch(target, { signal, redirect: 'manual', headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5', 'user-agent': 'lectern (article to EPUB and audio)' } });
    } catch (e) {
      if (timeout.aborted) throw fail(url, `could not fetch the page: no answer within ${Math.round((options.timeoutMs ?? FETCH_TIMEOUT_MS) / 1000)} s`, e);
      if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : fail(url, 'interrupted');
      throw fail(url, `could not fetch the page: ${networkReason(e, target.host)}`, e);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw fail(url, `could not fetch the page: more than ${MAX_REDIRECTS} redirects`);
      current = new URL(res.headers.get('location')!, target).href;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw fail(url, `could not fetch the page: the server answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    }
    const type = res.headers.get('content-type') ?? '';
    const mime = type.split(';')[0]!.trim().toLowerCase();
    if (mime && !/^(?:text\/html|application\/xhtml\+xml|text\/plain)$/.test(mime)) {
      await res.body?.cancel();
      throw fail(url, `is not a web page (the server says it is ${mime.replace(/[^\w.+/-]/g, '')})`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > options.maxBytes) {
      await res.body?.cancel();
      throw fail(url, `the page is ${declared} bytes, over the ${options.maxBytes}-byte limit (raise it with --max-input-bytes)`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > options.maxBytes) throw fail(url, `the page is more than ${options.maxBytes} bytes, over the limit (raise it with --max-input-bytes)`);
        chunks.push(Buffer.from(chunk));
      }
    } catch (e) {
      if (e instanceof LecternError) throw e;
      if (timeout.aborted) throw fail(url, `could not fetch the page: it did not arrive within ${Math.round((options.timeoutMs ?? FETCH_TIMEOUT_MS) / 1000)} s`, e);
      throw fail(url, `could not fetch the page: the connection broke while reading it`, e);
    }
    const charset = /;\s*charset\s*=\s*["']?([\w.:-]+)/i.exec(type)?.[1];
    return { url: target.href, bytes: Buffer.concat(chunks), ...(charset ? { charset } : {}) };
  }
}
