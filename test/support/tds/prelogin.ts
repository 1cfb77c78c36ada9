import { TdsReader, TdsWriter } from './wire';

/** PRELOGIN option tokens (2.2.6.5). */
const Option = { VERSION: 0x00, ENCRYPTION: 0x01, INSTOPT: 0x02, THREADID: 0x03, MARS: 0x04, TERMINATOR: 0xff } as const;

/** ENCRYPTION option values. */
export const Encryption = { OFF: 0x00, ON: 0x01, NOT_SUP: 0x02, REQ: 0x03 } as const;

/** What the client asked for in its PRELOGIN (recorded on the session for tests). */
export interface PreloginRequest {
  readonly clientVersion: string;
  /** The client's ENCRYPTION byte: tedious sends ON (1) for `encrypt: true`, NOT_SUP (2) otherwise. */
  readonly encryption: number;
  readonly mars: boolean;
}

/**
 * Parses the client's PRELOGIN payload (option table of token/offset/length entries, 0xFF-terminated).
 *
 * @example
 * const req = parsePrelogin(message.payload); // { clientVersion: '19.2.2.0', encryption: 2, mars: false }
 */
export function parsePrelogin(payload: Buffer): PreloginRequest {
  const r = new TdsReader(payload, 'PRELOGIN');
  let clientVersion = '';
  let encryption: number = Encryption.NOT_SUP;
  let mars = false;
  for (;;) {
    const token = r.u8('option token');
    if (token === Option.TERMINATOR) break;
    const offset = payload.readUInt16BE(r.pos);
    const length = payload.readUInt16BE(r.pos + 2);
    r.skip(4, 'option offset/length');
    const data = payload.subarray(offset, offset + length);
    if (token === Option.VERSION && data.length >= 6) {
      clientVersion = `${data[0]}.${data[1]}.${data.readUInt16BE(2)}.${data.readUInt16BE(4)}`;
    } else if (token === Option.ENCRYPTION && data.length >= 1) {
      encryption = data[0] as number;
    } else if (token === Option.MARS && data.length >= 1) {
      mars = data[0] === 1;
    }
  }
  return { clientVersion, encryption, mars };
}

/**
 * Builds the server's PRELOGIN reply: VERSION 16.0.1000.0, ENCRYPTION = NOT_SUP (this server never speaks TLS,
 * so tedious proceeds unencrypted even with `encrypt: true`), INSTOPT ok, THREADID, MARS off.
 *
 * @example
 * writer.write(buildPreloginReply(spid));
 */
export function buildPreloginReply(threadId: number): Buffer {
  const options: Array<[number, Buffer]> = [
    [Option.VERSION, Buffer.from([16, 0, 0x03, 0xe8, 0, 0])],
    [Option.ENCRYPTION, Buffer.from([Encryption.NOT_SUP])],
    [Option.INSTOPT, Buffer.from([0])],
    [Option.THREADID, Buffer.from([(threadId >>> 24) & 0xff, (threadId >>> 16) & 0xff, (threadId >>> 8) & 0xff, threadId & 0xff])],
    [Option.MARS, Buffer.from([0])],
  ];
  const w = new TdsWriter(64);
  let dataOffset = options.length * 5 + 1;
  for (const [token, data] of options) {
    w.u8(token).u16be(dataOffset).u16be(data.length);
    dataOffset += data.length;
  }
  w.u8(Option.TERMINATOR);
  for (const [, data] of options) w.bytes(data);
  return w.toBuffer();
}
