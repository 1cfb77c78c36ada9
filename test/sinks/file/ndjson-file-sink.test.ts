import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keep, Source, StageFailure } from 'tributary';
import { TestSource } from 'tributary/testing';
import { ndjsonFileSink } from 'tributary/sinks/file';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ndjson-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const visible = () => readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
const hidden = () => readdirSync(dir).filter((f) => f.startsWith('.'));
const lines = (file: string) => readFileSync(join(dir, file), 'utf8').split('\n').slice(0, -1);

/** Resolves once `condition` holds, checking after each I/O turn (for at most 5 s). */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

describe('ndjsonFileSink', () => {
  it('writes every record of every batch as one JSON line, rolling by lines', async () => {
    const batches = [[{ id: 1 }, { id: 2 }], [{ id: 3 }, { id: 4 }, { id: 5 }], [{ id: 6 }]];
    const summary = await Source.from(batches).runWith(ndjsonFileSink({ directory: join(dir, 'out'), maxLinesPerFile: 2 }));
    const out = join(dir, 'out');
    expect(summary).toEqual({
      files: ['part-00001.ndjson', 'part-00002.ndjson', 'part-00003.ndjson'].map((f) => join(out, f)),
      lines: 6,
      bytes: 6 * '{"id":1}\n'.length,
    });
    expect(readFileSync(join(out, 'part-00001.ndjson'), 'utf8')).toBe('{"id":1}\n{"id":2}\n');
    expect(readFileSync(join(out, 'part-00002.ndjson'), 'utf8')).toBe('{"id":3}\n{"id":4}\n');
    expect(readFileSync(join(out, 'part-00003.ndjson'), 'utf8')).toBe('{"id":5}\n{"id":6}\n');
    expect(readdirSync(out)).toHaveLength(3); // no temporary files left
  });

  it('rolls by bytes, gives an over-long line a file of its own, and uses the serializer and prefix', async () => {
    const summary = await Source.single(['aaaa', 'bb', 'c', 'dddddddddd', 'e']).runWith(
      ndjsonFileSink<string>({ directory: dir, prefix: 'words', maxBytesPerFile: 6, serialize: (s) => s.toUpperCase() }),
    );
    expect(visible()).toEqual(['words-00001.ndjson', 'words-00002.ndjson', 'words-00003.ndjson', 'words-00004.ndjson']);
    expect(visible().map(lines)).toEqual([['AAAA'], ['BB', 'C'], ['DDDDDDDDDD'], ['E']]);
    expect(summary.lines).toBe(5);
  });

  it('numbers files on from those already in the folder', async () => {
    writeFileSync(join(dir, 'part-00041.ndjson'), '');
    writeFileSync(join(dir, 'part-x.ndjson'), '');
    await Source.single([1]).runWith(ndjsonFileSink({ directory: dir }));
    expect(visible()).toEqual(['part-00041.ndjson', 'part-00042.ndjson', 'part-x.ndjson']);
  });

  it('after a crash mid-file, removes the temporary file left behind and writes on (regression: EEXIST on restart)', async () => {
    // A killed run leaves its open file hidden; the next run numbers on from the visible files, i.e. the same name.
    writeFileSync(join(dir, 'part-00001.ndjson'), '{"id":1}\n');
    writeFileSync(join(dir, '.part-00002.ndjson.tmp'), '{"id":2}\n{"id":');
    writeFileSync(join(dir, '.other-00001.ndjson.tmp'), 'another prefix: not ours');
    await Source.single([{ id: 2 }]).runWith(ndjsonFileSink({ directory: dir }));
    expect(visible()).toEqual(['part-00001.ndjson', 'part-00002.ndjson']);
    expect(lines('part-00002.ndjson')).toEqual(['{"id":2}']);
    expect(hidden()).toEqual(['.other-00001.ndjson.tmp']);
  });

  it('takes the next batch only after the last one is written, and keeps the open file hidden until complete', async () => {
    const [source, done] = TestSource.probe<number[]>().toMat(ndjsonFileSink({ directory: dir }), Keep.both).run();
    await until(() => source.hasDemand);
    source.sendNext([1, 2]);
    expect(source.hasDemand).toBe(false);
    await until(() => source.hasDemand);
    expect(hidden()).toEqual(['.part-00001.ndjson.tmp']);
    expect(readFileSync(join(dir, '.part-00001.ndjson.tmp'), 'utf8')).toBe('1\n2\n'); // written before the next pull
    expect(visible()).toEqual([]);
    source.sendNext([3]).sendComplete();
    expect((await done).lines).toBe(3);
    expect(visible().map(lines)).toEqual([['1', '2', '3']]);
    expect(hidden()).toEqual([]);
  });

  it('fails when upstream fails, and the open file never becomes visible', async () => {
    const [source, done] = TestSource.probe<number[]>().toMat(ndjsonFileSink({ directory: dir }), Keep.both).run();
    await until(() => source.hasDemand);
    source.sendNext([1]);
    await until(() => source.hasDemand);
    source.sendError(new Error('source broke'));
    await expect(done).rejects.toMatchObject({ cause: new Error('source broke') });
    await until(() => readdirSync(dir).length === 0);
  });

  it('fails with a StageFailure naming the sink when a record cannot be written, cancelling upstream', async () => {
    const [source, done] = TestSource.probe<unknown[]>()
      .toMat(ndjsonFileSink({ directory: dir, serialize: (x) => String(x) }), Keep.both)
      .run();
    await until(() => source.hasDemand);
    source.sendNext(['ok', 'two\nlines']);
    const failure = await done.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'ndjsonFileSink', cause: new TypeError('ndjsonFileSink: serialize must return a string without line breaks, got "two\\nlines"') });
    expect(source.isCancelled).toBe(true);
    await until(() => readdirSync(dir).length === 0);
  });

  it('fails when the folder cannot be created', async () => {
    writeFileSync(join(dir, 'file'), '');
    await expect(Source.single([1]).runWith(ndjsonFileSink({ directory: join(dir, 'file', 'sub') }))).rejects.toMatchObject({
      stage: 'ndjsonFileSink',
      cause: { code: 'ENOTDIR' },
    });
    expect(existsSync(join(dir, 'file', 'sub'))).toBe(false);
  });

  it('validates its options when created', () => {
    expect(() => ndjsonFileSink({ directory: '' })).toThrow('ndjsonFileSink: directory must be a non-empty string, got ""');
    expect(() => ndjsonFileSink({ directory: dir, maxLinesPerFile: 0 })).toThrow('ndjsonFileSink: maxLinesPerFile must be a positive integer, got 0');
    expect(() => ndjsonFileSink({ directory: dir, maxBytesPerFile: 1.5 })).toThrow('ndjsonFileSink: maxBytesPerFile must be a positive integer, got 1.5');
    expect(() => ndjsonFileSink({ directory: dir, prefix: '../x' })).toThrow('ndjsonFileSink: prefix must be letters, digits, "_", "." or "-", got "../x"');
  });
});
