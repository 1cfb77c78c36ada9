import { PassThrough } from 'node:stream';

/** An output stream for the logger that keeps what was written; `isTTY` makes it look like a terminal. */
export function captureOutput(isTTY = false): { readonly stream: PassThrough; text(): string; lines(): Record<string, unknown>[] } {
  const stream = new PassThrough();
  if (isTTY) Object.assign(stream, { isTTY: true });
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
