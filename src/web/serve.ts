/**
 * A small static file server for the web edition: 127.0.0.1 only, GET and HEAD, files
 * inside one folder only (no `..`, no symbolic link that leads out of it), byte ranges for
 * the audio (browsers seek with them). For previewing a build, not for publishing it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.vtt': 'text/vtt; charset=utf-8',
  '.mp3': 'audio/mpeg',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
};

export interface StaticServer {
  server: Server;
  url: string;
  close(): Promise<void>;
  /** With `reload`: tells every open page to reload (after a rebuild). */
  reload(): void;
}

/** Where pages served with `reload` listen for it (server-sent events). */
const RELOAD_PATH = '/__lectern/reload';
const RELOAD_SCRIPT = `<script>new EventSource(${JSON.stringify(RELOAD_PATH)}).addEventListener('reload', () => location.reload());</script>`;
const withReloadScript = (html: string) => html.replace(/<\/body>(?![\s\S]*<\/body>)/i, `${RELOAD_SCRIPT}</body>`);

/**
 * Serves `root` on 127.0.0.1 at `port` (0: a free port the system picks). `reload`: HTML
 * pages are served with a small script that reloads them when `reload()` is called (the
 * files on disk are untouched).
 */
export async function serveFolder(root: string, port = 0, options: { reload?: boolean } = {}): Promise<StaticServer> {
  const base = await realpath(root);
  const listeners = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (options.reload && req.method === 'GET' && req.url === RELOAD_PATH) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      res.write(': reload events\n\n');
      listeners.add(res);
      req.on('close', () => listeners.delete(res));
      return;
    }
    handle(base, req, res, options.reload ? withReloadScript : undefined).catch(() => {
      if (!res.headersSent) send(res, 500, 'Internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    url: `http://127.0.0.1:${actual}/`,
    reload: () => {
      for (const res of listeners) res.write('event: reload\ndata: 1\n\n');
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of listeners) res.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

async function handle(base: string, req: IncomingMessage, res: ServerResponse, html?: (page: string) => string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'Method not allowed');
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
  } catch {
    return send(res, 400, 'Bad request');
  }
  // Refuse anything that is not plainly a path inside the folder: `..` segments (also
  // encoded), NUL bytes and backslashes, before touching the file system.
  const segments = pathname.split('/');
  if (pathname.includes('\0') || pathname.includes('\\') || segments.some((s) => s === '..')) return send(res, 403, 'Forbidden');
  let file = path.join(base, ...segments.filter(Boolean));
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    file = path.join(file, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) return send(res, 404, 'Not found');
  // A symbolic link inside the folder may not lead out of it.
  const real = await realpath(file);
  if (real !== base && !real.startsWith(base + path.sep)) return send(res, 403, 'Forbidden');
  const type = TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string | number> = { 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  if (html && type.startsWith('text/html')) {
    // A page served changed (the reload script): whole, never in ranges.
    const page = Buffer.from(html(await readFile(real, 'utf8')));
    res.writeHead(200, { ...headers, 'Content-Length': page.length });
    return void res.end(req.method === 'HEAD' ? undefined : page);
  }
  const size = info.size;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (req.headers.range) {
    if (!range || (range[1] === '' && range[2] === '')) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` });
      return void res.end();
    }
    if (range[1] === '') start = Math.max(0, size - Number(range[2]));
    else {
      start = Number(range[1]);
      if (range[2] !== '') end = Math.min(size - 1, Number(range[2]));
    }
    if (start > end || start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` });
      return void res.end();
    }
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  }
  headers['Content-Length'] = size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || size === 0) return void res.end();
  const stream = createReadStream(real, { start, end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
