import type { ChangeEvent } from 'tributary/sources/sql-server-cdc';
import { changeEntity, changeMessage } from '../../examples/sqlserver-cdc-to-servicebus/messages';

function event(overrides: Partial<ChangeEvent> = {}): ChangeEvent {
  return {
    op: 'u',
    before: { id: 42, region: 'eu', total: '10.00' },
    after: { id: 42, region: 'us', total: '12.50' },
    key: { id: 42 },
    source: {
      server: 'sql-1', database: 'shop', schema: 'dbo', table: 'Orders', captureInstance: 'dbo_Orders',
      commitLsn: '0000002a000001000031', seqval: '0000002a000001000021', operation: 4, commitTime: '2024-05-01T10:00:00.000Z', snapshot: false,
    },
    id: 'shop:dbo_Orders:0000002a000001000031:0000002a000001000021:u',
    ...overrides,
  };
}

describe('the SQL Server CDC → Service Bus job’s messages', () => {
  it('carry the change as JSON, its id as the message id, the op as subject and table/op properties', () => {
    const e = event();
    expect(changeMessage({ sessionKey: { mode: 'none' } })(e)).toEqual({
      body: e,
      contentType: 'application/json',
      messageId: e.id,
      subject: 'u',
      applicationProperties: { table: 'dbo.Orders', op: 'u' },
    });
  });

  it('take the session id from the primary key (a composite key as a JSON array) or from a column', () => {
    expect(changeMessage({ sessionKey: { mode: 'primaryKey' } })(event()).sessionId).toBe('42');
    expect(changeMessage({ sessionKey: { mode: 'primaryKey' } })(event({ key: { tenant: 'a', id: 7 } })).sessionId).toBe('["a",7]');
    const byRegion = changeMessage({ sessionKey: { mode: 'column', column: 'region' } });
    expect(byRegion(event()).sessionId).toBe('us'); // after the change
    expect(byRegion(event({ op: 'd', after: null })).sessionId).toBe('eu'); // a delete: before it
    expect(byRegion(event({ after: { id: 42, region: null, total: '1' } })).sessionId).toBe('null');
    expect(changeMessage({ sessionKey: { mode: 'primaryKey' } })(event({ key: { id: 'x'.repeat(200) } })).sessionId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fail naming the table and the setting when the session key cannot be found', () => {
    expect(() => changeMessage({ sessionKey: { mode: 'primaryKey' } })(event({ key: null }))).toThrow(
      'serviceBus.sessionKey is "primaryKey" but shop.dbo.Orders has no key columns',
    );
    expect(() => changeMessage({ sessionKey: { mode: 'column', column: 'customer' } })(event())).toThrow(
      'serviceBus.sessionKey.column "customer" is not a captured column of shop.dbo.Orders (captured: id, region, total)',
    );
  });

  it('go to the entity the spec’s template names for their table', () => {
    expect(changeEntity('{schema}.{table}')(event())).toBe('dbo.Orders');
    expect(changeEntity('{database}-{table}-changes')(event())).toBe('shop-Orders-changes');
    expect(() => changeEntity('{table}')(event({ source: { ...event().source, table: 'Order Lines' } }))).toThrow(/not a valid Service Bus entity name/);
  });
});
