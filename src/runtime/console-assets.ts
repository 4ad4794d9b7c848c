import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiReply } from './api-server.js';

/**
 * The web console's static pages. Plain HTML, CSS and one script, no framework or build step: three
 * read-only pages that render JSON into tables and inline SVG charts do not need one, and every
 * byte ships in the package and works offline. `src/runtime/console/` in the source tree;
 * `npm run build` copies it to `dist/console/` beside the bundle, the same relative place.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Defence in depth beside the pages' own escaping (they only ever set text, never markup): no inline
 * or foreign script can run, nothing loads from elsewhere, and no other site may frame the console.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function consoleAssetsDir(): string {
  return fileURLToPath(new URL('./console/', import.meta.url));
}

export class ConsoleAssets {
  private readonly files = new Map<string, { body: Buffer; contentType: string }>();

  /** Reads every asset once at start: the pages are small and never change while running. */
  constructor(dir: string = consoleAssetsDir()) {
    if (!existsSync(dir)) throw new Error(`the web console's files are missing: ${dir}`);
    for (const name of readdirSync(dir)) {
      const contentType = CONTENT_TYPES[extname(name)];
      if (contentType !== undefined) this.files.set(name, { body: readFileSync(`${dir}/${name}`), contentType });
    }
  }

  /** Answers `/console/…`, or undefined for any other path. */
  handle(url: URL): ApiReply | undefined {
    if (url.pathname === '/console') return { status: 308, headers: { location: '/console/' }, raw: '' };
    if (!url.pathname.startsWith('/console/')) return undefined;
    const name = url.pathname.slice('/console/'.length) || 'index.html';
    const file = this.files.get(name);
    if (file === undefined) {
      return { status: 404, raw: 'not found\n', contentType: 'text/plain; charset=utf-8', headers: SECURITY_HEADERS };
    }
    return { status: 200, raw: file.body, contentType: file.contentType, headers: SECURITY_HEADERS };
  }
}
