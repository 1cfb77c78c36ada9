/** The broker's wire encodings that the SDK decodes in its own way (lock tokens, .NET ticks, batches). */
import { message as amqpMessage, uuid_to_string } from 'rhea';
import { BATCH_MESSAGE_FORMAT, dotnetTicks, messagesOfTransfer, newLockToken, swapGuidByteOrder } from '../support/service-bus-broker/codec';

test('a lock token travels as a delivery tag in .NET GUID byte order (the SDK swaps bytes 0-3, 4-5, 6-7 back)', () => {
  const standard = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  expect(swapGuidByteOrder(standard).toString('hex')).toBe('33221100554477668899aabbccddeeff');
  expect(swapGuidByteOrder(swapGuidByteOrder(standard))).toEqual(standard);
  const { token, deliveryTag } = newLockToken();
  expect(uuid_to_string(swapGuidByteOrder(deliveryTag))).toBe(token);
  expect(() => swapGuidByteOrder(Buffer.alloc(8))).toThrow('a lock token is 16 bytes, got 8');
});

test('com.microsoft:locked-until-utc is .NET ticks in an AMQP long, as the SDK converts it back', () => {
  const when = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const wrapped = dotnetTicks(when) as { value: Buffer };
  const ticks = wrapped.value.readBigInt64BE();
  expect(Number((ticks - 621_355_968_000_000_000n) / 10_000n)).toBe(when);
});

test('a batch transfer is one message whose data sections each hold an encoded message', () => {
  const inner = [{ message_id: 'a', body: 1 }, { message_id: 'b', body: 2 }].map((m) => amqpMessage.encode(m as never));
  const envelope = amqpMessage.encode({ body: amqpMessage.data_sections(inner) } as never);
  expect(messagesOfTransfer(BATCH_MESSAGE_FORMAT, envelope).map((m) => m.message_id)).toEqual(['a', 'b']);
  const one = amqpMessage.encode({ body: amqpMessage.data_sections([inner[0]!]) } as never);
  expect(messagesOfTransfer(BATCH_MESSAGE_FORMAT, one).map((m) => m.message_id)).toEqual(['a']);
  expect(() => messagesOfTransfer(0x1234, envelope)).toThrow('unsupported message_format 0x1234');
});
