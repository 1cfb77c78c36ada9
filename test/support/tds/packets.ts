import type { Socket } from 'node:net';
import { HEADER_LENGTH, PacketStatus, PacketType } from './protocol';
import { TdsProtocolError } from './wire';

/** One complete client message (all packets up to EOM, payloads concatenated). */
export interface ClientMessage {
  readonly type: number;
  /** Status of the first packet (RESET_CONNECTION is only meaningful there). */
  readonly status: number;
  /** The last packet carried IGNORE: the client abandoned this message (2.2.3.1.2). */
  readonly ignored: boolean;
  readonly payload: Buffer;
}

/**
 * Reassembles client messages from a TCP byte stream (2.2.3.1). Bounded: a message above `maxMessageBytes`
 * is a protocol error rather than an unbounded buffer.
 *
 * @example
 * const assembler = new MessageAssembler();
 * socket.on('data', (chunk) => { for (const m of assembler.push(chunk)) handle(m); });
 */
export class MessageAssembler {
  private pending: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private firstType = -1;
  private firstStatus = 0;

  constructor(private readonly maxMessageBytes = 64 * 1024 * 1024) {}

  /** Feeds bytes; returns the messages they completed, in order. */
  push(chunk: Buffer): ClientMessage[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: ClientMessage[] = [];
    while (this.pending.length >= HEADER_LENGTH) {
      const length = this.pending.readUInt16BE(2);
      if (length < HEADER_LENGTH) throw new TdsProtocolError(`packet header: Length ${length} is below the 8-byte header`);
      if (this.pending.length < length) break;
      const type = this.pending[0] as number;
      const status = this.pending[1] as number;
      const body = this.pending.subarray(HEADER_LENGTH, length);
      this.pending = this.pending.subarray(length);
      // An attention packet may arrive while another message is half received only in theory
      // (tedious sends it after the request's EOM); treat it as its own message either way.
      if (type === PacketType.ATTENTION) {
        out.push({ type, status, ignored: false, payload: Buffer.alloc(0) });
        continue;
      }
      if (this.firstType === -1) {
        this.firstType = type;
        this.firstStatus = status;
      }
      this.parts.push(Buffer.from(body));
      this.partsBytes += body.length;
      if (this.partsBytes > this.maxMessageBytes) {
        throw new TdsProtocolError(`client message of type 0x${type.toString(16)} exceeds ${this.maxMessageBytes} bytes`);
      }
      if ((status & PacketStatus.EOM) !== 0) {
        out.push({
          type: this.firstType,
          status: this.firstStatus,
          ignored: (status & PacketStatus.IGNORE) !== 0,
          payload: this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts),
        });
        this.parts = [];
        this.partsBytes = 0;
        this.firstType = -1;
      }
    }
    if (this.pending.length === 0) this.pending = Buffer.alloc(0);
    return out;
  }
}

/** Raised inside a response writer when the response must stop (attention, dropped socket). */
export class ResponseAborted extends Error {
  override readonly name = 'ResponseAborted';
  constructor(readonly reason: 'attention' | 'closed') {
    super(`response aborted: ${reason}`);
  }
}

/**
 * Writes one server message (type TABULAR_RESULT) to a socket as packets of at most `packetSize` bytes.
 * Writing is synchronous; when `socket.write` reports a full buffer, `backpressured` turns true and the
 * producer must `await drain()` before encoding more rows. So at most about one row plus the socket's
 * high-water mark is buffered, however large the result (TCP backpressure reaches the handler's row iterator).
 *
 * @example
 * const out = new PacketWriter(socket, 4096, spid);
 * out.write(tokenBytes);
 * if (out.backpressured) await out.drain();
 * out.end(); // the last packet carries EOM
 */
export class PacketWriter {
  private readonly chunk: Buffer;
  private used = HEADER_LENGTH;
  private packetId = 1;
  private ended = false;
  /** The socket refused more data; call {@link drain} before writing again. */
  backpressured = false;
  /** Packets written (tests assert that a large result really spanned many packets). */
  packetsWritten = 0;

  constructor(
    private readonly socket: Socket,
    private readonly packetSize: number,
    private readonly spid: number,
    /** Shared counter incremented per packet (server-wide statistics). */
    private readonly counter: { packetsSent: number } = { packetsSent: 0 },
    private readonly type: number = PacketType.TABULAR_RESULT,
  ) {
    this.chunk = Buffer.allocUnsafe(packetSize);
  }

  /** Appends bytes to the message, sending each packet as soon as it is full and more data follows. */
  write(data: Uint8Array): void {
    if (this.ended) throw new Error('PacketWriter: write after end');
    let offset = 0;
    while (offset < data.length) {
      // A full packet is only sent once more data follows, so the EOM packet is never empty.
      if (this.used === this.packetSize) this.flush(false);
      const n = Math.min(this.packetSize - this.used, data.length - offset);
      this.chunk.set(data.subarray(offset, offset + n), this.used);
      this.used += n;
      offset += n;
    }
  }

  /** Resolves when the socket has drained (rejects with {@link ResponseAborted} if it closes first). */
  async drain(): Promise<void> {
    if (!this.backpressured) return;
    await waitForDrain(this.socket);
    this.backpressured = false;
  }

  /** Sends whatever is buffered as a non-final packet (used before deliberately dropping the socket). */
  flushPartial(): void {
    if (this.used > HEADER_LENGTH) this.flush(false);
  }

  /** Sends the last packet, with EOM. */
  end(): void {
    if (this.ended) return;
    this.flush(true);
    this.ended = true;
  }

  private flush(eom: boolean): void {
    if (this.socket.destroyed) throw new ResponseAborted('closed');
    const packet = Buffer.from(this.chunk.subarray(0, this.used));
    packet[0] = this.type;
    packet[1] = eom ? PacketStatus.EOM : PacketStatus.NORMAL;
    packet.writeUInt16BE(this.used, 2);
    packet.writeUInt16BE(this.spid & 0xffff, 4);
    packet[6] = this.packetId & 0xff;
    packet[7] = 0;
    this.packetId++;
    this.used = HEADER_LENGTH;
    this.packetsWritten++;
    this.counter.packetsSent++;
    if (!this.socket.write(packet)) this.backpressured = true;
  }
}

function waitForDrain(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.reject(new ResponseAborted('closed'));
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(new ResponseAborted('closed'));
    };
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}
