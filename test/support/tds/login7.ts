import { TdsReader } from './wire';

/** The fields of a LOGIN7 record (2.2.6.4) the test server uses. */
export interface Login7 {
  readonly tdsVersion: number;
  readonly packetSize: number;
  readonly clientPid: number;
  readonly hostName: string;
  readonly userName: string;
  readonly password: string;
  readonly appName: string;
  readonly serverName: string;
  readonly libraryName: string;
  readonly language: string;
  readonly database: string;
  /** OptionFlags2 fIntSecurity: the client asked for integrated (SSPI) authentication, which this server refuses. */
  readonly integratedSecurity: boolean;
}

/**
 * Parses a LOGIN7 payload: the fixed 94-byte header, then the offset/length table of UCS-2 strings.
 * The password is de-obfuscated (each byte: swap nibbles, then XOR 0xA5).
 *
 * @example
 * const login = parseLogin7(message.payload);
 * login.userName; // 'sa'
 * login.packetSize; // 4096
 */
export function parseLogin7(payload: Buffer): Login7 {
  const r = new TdsReader(payload, 'LOGIN7');
  r.u32('Length');
  const tdsVersion = r.u32('TDSVersion');
  const packetSize = r.u32('PacketSize');
  r.u32('ClientProgVer');
  const clientPid = r.u32('ClientPID');
  r.u32('ConnectionID');
  r.u8('OptionFlags1');
  const flags2 = r.u8('OptionFlags2');
  r.u8('TypeFlags');
  r.u8('OptionFlags3');
  r.i32('ClientTimeZone');
  r.u32('ClientLCID');
  const text = (field: string): string => {
    const offset = r.u16(`ib${field}`);
    const chars = r.u16(`cch${field}`);
    return new TdsReader(payload, 'LOGIN7', offset).ucs2(chars, field);
  };
  const hostName = text('HostName');
  const userName = text('UserName');
  const passwordOffset = r.u16('ibPassword');
  const passwordChars = r.u16('cchPassword');
  const appName = text('AppName');
  const serverName = text('ServerName');
  r.u16('ibExtension');
  r.u16('cbExtension');
  const libraryName = text('CltIntName');
  const language = text('Language');
  const database = text('Database');
  const scrambled = new TdsReader(payload, 'LOGIN7', passwordOffset).bytes(passwordChars * 2, 'Password');
  return {
    tdsVersion,
    packetSize,
    clientPid,
    hostName,
    userName,
    password: unscramblePassword(scrambled),
    appName,
    serverName,
    libraryName,
    language,
    database,
    integratedSecurity: (flags2 & 0x80) !== 0,
  };
}

function unscramblePassword(bytes: Buffer): string {
  const out = Buffer.alloc(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = (bytes[i] as number) ^ 0xa5;
    out[i] = ((b & 0x0f) << 4) | (b >> 4);
  }
  return out.toString('ucs2');
}
