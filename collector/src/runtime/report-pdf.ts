import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';

/** Environment variable naming the Chromium (or Chrome) executable that prints report PDFs. */
export const CHROMIUM_ENV = 'SKOLNET_CHROMIUM';

/** Executables looked for on PATH when {@link CHROMIUM_ENV} is unset, in order. */
const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Prints an HTML document to PDF. */
export type PdfRenderer = (html: string) => Promise<Buffer>;

/** The Chromium executable: {@link CHROMIUM_ENV}, else the first candidate on PATH; undefined when none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env[CHROMIUM_ENV];
  if (named !== undefined && named.trim() !== '') return existsSync(named) ? named : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const name of CANDIDATES) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
    }
  }
  return undefined;
}

/**
 * A renderer that prints with headless Chromium through playwright-core,
 * one browser per PDF (reports are printed once and kept, so a resident
 * browser's memory is not worth it). The page gets the HTML as content:
 * it loads nothing from the network (the report has no external
 * resource), and JavaScript is off.
 * @param executable the browser; null when there is none (the renderer then says so)
 * @throws SkolnetError `SKOLNET_REPORT_PDF_UNAVAILABLE` when no Chromium is found.
 */
export function createChromiumPdfRenderer(executable: string | null = findChromium() ?? null): PdfRenderer {
  return async (html) => {
    if (executable === null) {
      throw new SkolnetError(
        ErrorCodes.REPORT_PDF_UNAVAILABLE,
        `no Chromium found to print the PDF (install chromium, or set ${CHROMIUM_ENV} to its path); the HTML report works without it`,
      );
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: executable,
      // The collector may run as root in a container, where Chromium's sandbox refuses to start.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    try {
      const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: 'load' });
      return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '15mm', bottom: '15mm' } });
    } finally {
      await browser.close();
    }
  };
}
