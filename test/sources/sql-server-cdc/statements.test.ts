import { Statements, statementNameOf, type Statement } from 'tributary/sources/sql-server-cdc';
import { keyParamType, quoteIdentifier, selectExpression } from '../../../sources/sql-server-cdc/statements';

const LSN = '0000002a000001000011';
const columns = [
  { name: 'id', type: 'int' },
  { name: 'total', type: 'decimal' },
  { name: 'odd]name', type: 'nvarchar' },
];

/** Every statement of the catalogue, with representative arguments. */
function everyStatement(): Statement[] {
  return [
    Statements.databaseInfo(),
    Statements.maxLsn(),
    Statements.transactionCap(LSN, 500),
    Statements.captureInstances(),
    Statements.capturedColumns(),
    Statements.indexColumns(),
    Statements.sourceTables(),
    Statements.minLsn('dbo_Orders'),
    Statements.incrementLsn(LSN),
    Statements.changesFrom('dbo_Orders', columns, { from: LSN, to: LSN, page: 100 }),
    Statements.changesAfter('dbo_Orders', columns, { from: LSN, to: LSN, page: 100, after: { lsn: LSN, seqval: LSN, op: 3 } }),
    Statements.snapshotFirstChunk('dbo', 'Orders', columns, [columns[0]!], 100),
    Statements.snapshotNextChunk('dbo', 'Orders', columns, [columns[0]!], 100, [5]),
    Statements.cdcJobs(),
  ];
}

describe('the CDC statement catalogue', () => {
  it('names every statement with a marker the simulator and traces can read', () => {
    for (const s of everyStatement()) {
      expect(s.sql.startsWith(`/* tributary:${s.name} */ `)).toBe(true);
      expect(statementNameOf(s.sql)).toBe(s.name);
    }
    expect(statementNameOf('SELECT 1')).toBeUndefined();
  });

  it('never reads with NOLOCK, never opens a transaction, and passes every value as a parameter', () => {
    for (const s of everyStatement()) {
      expect(s.sql).not.toMatch(/nolock|readuncommitted|\bbegin\s+tran|\bcommit\s+tran|\brollback\b|\bset\s+transaction/i);
      expect(s.sql).not.toContain(LSN);
      expect(s.sql).not.toMatch(/'dbo_Orders'/);
      for (const p of s.params) expect(s.sql).toContain(`@${p.name}`);
    }
    expect(Statements.transactionCap(LSN, 500).params).toEqual([
      { name: 'from_lsn', type: 'binary10', value: Buffer.from(LSN, 'hex') },
      { name: 'n', type: 'int', value: 500 },
    ]);
  });

  it('bracket-quotes identifiers from cdc.change_tables and captured columns, doubling ]', () => {
    expect(quoteIdentifier('Order Lines]')).toBe('[Order Lines]]]');
    expect(() => quoteIdentifier('')).toThrow(/not a valid SQL Server identifier/);
    expect(() => quoteIdentifier('a\u0000b')).toThrow(/not a valid SQL Server identifier/);
    expect(() => quoteIdentifier('x'.repeat(129))).toThrow(/not a valid SQL Server identifier/);
    const s = Statements.changesFrom("we'ird]ci", columns, { from: LSN, to: LSN, page: 1 });
    expect(s.sql).toContain("FROM cdc.[fn_cdc_get_all_changes_we'ird]]ci](@from_lsn, @to_lsn, N'all update old') AS c");
    expect(s.sql).toContain('c.[odd]]name] AS [odd]]name]');
  });

  it('reads both images of an update, bounded by the window, in (LSN, seqval, op) order with the unique resume predicate', () => {
    const s = Statements.changesAfter('dbo_Orders', columns, { from: LSN, to: LSN, page: 100, after: { lsn: LSN, seqval: LSN, op: 3 } });
    expect(s.sql).toBe(
      "/* tributary:changes-after */ SELECT TOP (@page) c.[__$start_lsn], c.[__$seqval], c.[__$operation], c.[__$update_mask], " +
        'CONVERT(nvarchar(23), m.tran_end_time, 121) AS [__$commit_time], c.[id] AS [id], CONVERT(nvarchar(48), c.[total]) AS [total], c.[odd]]name] AS [odd]]name] ' +
        "FROM cdc.[fn_cdc_get_all_changes_dbo_Orders](@from_lsn, @to_lsn, N'all update old') AS c " +
        'LEFT JOIN cdc.lsn_time_mapping AS m ON m.start_lsn = c.[__$start_lsn] ' +
        'WHERE (c.[__$start_lsn] = @lsn AND c.[__$seqval] = @seqval AND c.[__$operation] > @operation) ' +
        'OR (c.[__$start_lsn] = @lsn AND c.[__$seqval] > @seqval) OR c.[__$start_lsn] > @lsn ' +
        'ORDER BY c.[__$start_lsn], c.[__$seqval], c.[__$operation]',
    );
    expect(s.params.map((p) => [p.name, p.type])).toEqual([
      ['page', 'int'],
      ['from_lsn', 'binary10'],
      ['to_lsn', 'binary10'],
      ['lsn', 'binary10'],
      ['seqval', 'binary10'],
      ['operation', 'int'],
    ]);
  });

  it('converts exact numerics, money and dates on the server so nothing is lost in the driver', () => {
    expect(selectExpression('c', { name: 'd', type: 'decimal' })).toBe('CONVERT(nvarchar(48), c.[d]) AS [d]');
    expect(selectExpression('c', { name: 'd', type: 'numeric' })).toBe('CONVERT(nvarchar(48), c.[d]) AS [d]');
    expect(selectExpression('c', { name: 'm', type: 'money' })).toBe('CONVERT(nvarchar(32), c.[m], 2) AS [m]');
    for (const type of ['date', 'time', 'datetime', 'datetime2', 'smalldatetime', 'datetimeoffset']) {
      expect(selectExpression('t', { name: 'x', type })).toBe('CONVERT(nvarchar(34), t.[x], 121) AS [x]');
    }
    for (const type of ['int', 'bigint', 'nvarchar', 'varbinary', 'uniqueidentifier', 'bit', 'float']) {
      expect(selectExpression('c', { name: 'x', type })).toBe('c.[x] AS [x]');
    }
  });

  it('reads snapshot chunks in key order strictly after the last key (composite keys expand to an index-friendly OR)', () => {
    const keys = [
      { name: 'a', type: 'int' },
      { name: 'b', type: 'nvarchar' },
    ];
    const s = Statements.snapshotNextChunk('sales', 'Order Lines', keys, keys, 500, [1, 'x']);
    expect(s.sql).toBe(
      '/* tributary:snapshot-next-chunk */ SELECT TOP (@chunk) t.[a] AS [a], t.[b] AS [b] FROM [sales].[Order Lines] AS t ' +
        'WHERE (t.[a] > @k0) OR (t.[a] = @k0 AND t.[b] > @k1) ORDER BY t.[a], t.[b]',
    );
    expect(s.params).toEqual([
      { name: 'chunk', type: 'int', value: 500 },
      { name: 'k0', type: 'int', value: 1 },
      { name: 'k1', type: 'nvarchar', value: 'x' },
    ]);
    expect(() => Statements.snapshotFirstChunk('dbo', 'Heap', keys, [], 10)).toThrow(/has no key columns/);
    expect(() => Statements.snapshotNextChunk('dbo', 'T', keys, keys, 10, [1])).toThrow(/1 key values for 2 key columns/);
    expect(['int', 'bigint', 'bit', 'float', 'varbinary', 'uniqueidentifier', 'datetime2', 'decimal'].map(keyParamType)).toEqual([
      'int',
      'bigint',
      'bit',
      'float',
      'varbinary',
      'uniqueidentifier',
      'nvarchar',
      'nvarchar',
    ]);
  });
});
