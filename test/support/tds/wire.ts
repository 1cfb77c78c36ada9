/**
 * Little byte builders for TDS: a growable writer and a bounds-checked reader. Both speak the TDS
 * primitives (`B_VARCHAR`, `US_VARCHAR`, UCS-2 strings, little-endian integers).
 *
 * @example
 * const w = new TdsWriter();
 * w.u8(0xfd).u16(0).u16(0).u64(0n);
 * const r = new TdsReader(w.toBuffer(), 'DONE token');
 * r.u8(); // 0xfd
 */
export class TdsWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeUInt16LE(v, this.pos);
    return this;
  }
  u16be(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
    return this;
  }
  i16(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeInt16LE(v, this.pos);
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeUInt32LE(v >>> 0, this.pos);
    return this;
  }
  u32be(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v >>> 0, this.pos);
    return this;
  }
  i32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeInt32LE(v, this.pos);
    return this;
  }
  /** An unsigned little-endian integer of `bytes` bytes (1..8). */
  uintN(v: bigint, bytes: number): this {
    this.ensure(bytes);
    let x = v;
    for (let i = 0; i < bytes; i++) {
      this.buf[this.pos++] = Number(x & 0xffn);
      x >>= 8n;
    }
    return this;
  }
  u64(v: bigint): this {
    this.ensure(8);
    this.pos = this.buf.writeBigUInt64LE(v, this.pos);
    return this;
  }
  i64(v: bigint): this {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64LE(v, this.pos);
    return this;
  }
  f32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeFloatLE(v, this.pos);
    return this;
  }
  f64(v: number): this {
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(v, this.pos);
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  /** UCS-2 text without a length prefix. */
  ucs2(s: string): this {
    const n = s.length * 2;
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, 'ucs2');
    return this;
  }
  /** `B_VARCHAR`: a 1-byte character count, then UCS-2. */
  bVarChar(s: string): this {
    if (s.length > 255) throw new RangeError(`B_VARCHAR holds at most 255 characters, got ${s.length}: ${s.slice(0, 40)}…`);
    return this.u8(s.length).ucs2(s);
  }
  /** `US_VARCHAR`: a 2-byte character count, then UCS-2. */
  usVarChar(s: string): this {
    if (s.length > 0xffff) throw new RangeError(`US_VARCHAR holds at most 65535 characters, got ${s.length}`);
    return this.u16(s.length).ucs2(s);
  }
  /** `B_VARBYTE`: a 1-byte length, then the bytes. */
  bVarByte(b: Uint8Array): this {
    return this.u8(b.length).bytes(b);
  }
  /** Overwrites a uint16 written earlier at `offset` (for length fields known only afterwards). */
  patchU16(offset: number, v: number): this {
    this.buf.writeUInt16LE(v, offset);
    return this;
  }
  /** A copy of the written bytes. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
  /** The written bytes without copying (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
  reset(): this {
    this.pos = 0;
    return this;
  }
}

/** Thrown when a client message does not parse: names the message, the field and the offset. */
export class TdsProtocolError extends Error {
  override readonly name = 'TdsProtocolError';
}

/**
 * A bounds-checked cursor over one client message. `what` names the message in errors.
 *
 * @example
 * const r = new TdsReader(payload, 'LOGIN7');
 * const length = r.u32('Length');
 */
export class TdsReader {
  constructor(
    readonly buf: Buffer,
    readonly what: string,
    public pos = 0,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.buf.length) {
      throw new TdsProtocolError(
        `${this.what}: field ${field} needs ${n} byte(s) at offset ${this.pos}, but the message has ${this.buf.length} byte(s)`,
      );
    }
  }
  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++] as number;
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  i16(field: string): number {
    this.need(2, field);
    const v = this.buf.readInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  i32(field: string): number {
    this.need(4, field);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(field: string): bigint {
    this.need(8, field);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  i64(field: string): bigint {
    this.need(8, field);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  /** An unsigned little-endian integer of `bytes` bytes. */
  uintN(bytes: number, field: string): bigint {
    this.need(bytes, field);
    let v = 0n;
    for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.buf[this.pos + i] as number);
    this.pos += bytes;
    return v;
  }
  f32(field: string): number {
    this.need(4, field);
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(field: string): number {
    this.need(8, field);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number, field: string): Buffer {
    this.need(n, field);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return Buffer.from(v);
  }
  ucs2(chars: number, field: string): string {
    this.need(chars * 2, field);
    const v = this.buf.toString('ucs2', this.pos, this.pos + chars * 2);
    this.pos += chars * 2;
    return v;
  }
  bVarChar(field: string): string {
    return this.ucs2(this.u8(`${field} length`), field);
  }
  usVarChar(field: string): string {
    return this.ucs2(this.u16(`${field} length`), field);
  }
  skip(n: number, field: string): void {
    this.need(n, field);
    this.pos += n;
  }
}
