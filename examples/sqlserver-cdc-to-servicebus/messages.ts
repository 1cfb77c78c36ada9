/**
 * How a change event becomes a Service Bus message in the SQL Server CDC → Service Bus job: which entity it goes
 * to (the spec's `serviceBus.entity` template) and what the message carries (the event as JSON, its id as the
 * message id, the session id the spec's `serviceBus.sessionKey` asks for).
 */
import { createHash } from 'node:crypto';
import type { ServiceBusMessage } from '@azure/service-bus';
import type { CdcRow, CdcValue, ChangeEvent } from 'tributary/sources/sql-server-cdc';
import { entityName, type SqlServerCdcStreamSpec } from './spec';

type ServiceBusSettings = SqlServerCdcStreamSpec['serviceBus'];

/** Service Bus's limit on a session id. */
const MAX_SESSION_ID = 128;

/**
 * The entity router of the sink: the spec's template rendered for the event's table (cached per table).
 * @example changeEntity('{schema}.{table}-changes')(event) // 'dbo.Orders-changes'
 */
export function changeEntity(template: string): (event: ChangeEvent) => string {
  const cache = new Map<string, string>();
  return ({ source: { database, schema, table } }) => {
    const key = `${database}\u0000${schema}\u0000${table}`;
    let name = cache.get(key);
    if (name === undefined) cache.set(key, (name = entityName(template, { database, schema, table })));
    return name;
  };
}

/**
 * The message of a change event:
 * - `body`: the event as JSON (`op`, `before`, `after`, `key`, `source`, `id`), `contentType: application/json`;
 * - `messageId`: the event's id, deterministic across replays, so the entity's duplicate detection drops a replay;
 * - `subject`: the op (`c`, `u`, `d`, `r`), and `applicationProperties` `table` (`schema.table`) and `op`, for
 *   subscription filters;
 * - `sessionId` per `sessionKey`: none; `primaryKey` — the key value (a composite key as the JSON array of its
 *   values); `column` — that column's value (after the change, or before it for a delete; `null` as `"null"`).
 *   A session id over 128 characters becomes its SHA-256 (hex).
 *
 * @example
 * changeMessage({ entity: '{schema}.{table}', sessionKey: { mode: 'primaryKey' }, duplicateDetection })(event)
 * // { body: event, messageId: 'shop:dbo_orders:…:c', sessionId: '42', subject: 'c', … }
 */
export function changeMessage(settings: Pick<ServiceBusSettings, 'sessionKey'>): (event: ChangeEvent) => ServiceBusMessage {
  const sessionOf = sessionIdOf(settings.sessionKey);
  return (event) => {
    const message: ServiceBusMessage = {
      body: event,
      contentType: 'application/json',
      messageId: event.id,
      subject: event.op,
      applicationProperties: { table: `${event.source.schema}.${event.source.table}`, op: event.op },
    };
    const sessionId = sessionOf(event);
    return sessionId === undefined ? message : { ...message, sessionId };
  };
}

function sessionIdOf(sessionKey: ServiceBusSettings['sessionKey']): (event: ChangeEvent) => string | undefined {
  switch (sessionKey.mode) {
    case 'none':
      return () => undefined;
    case 'primaryKey':
      return (event) => {
        const key = event.key;
        if (key === null) {
          throw new TypeError(
            `serviceBus.sessionKey is "primaryKey" but ${tableOf(event)} has no key columns (its capture instance has no primary key or @index_name): ` +
              'use { mode: "column", column } or { mode: "none" }',
          );
        }
        const values = Object.values(key);
        return fit(values.length === 1 ? text(values[0]!) : JSON.stringify(values));
      };
    case 'column': {
      const column = sessionKey.column!;
      return (event) => {
        const row: CdcRow | null = event.after ?? event.before;
        if (row === null || !(column in row)) {
          throw new TypeError(
            `serviceBus.sessionKey.column "${column}" is not a captured column of ${tableOf(event)} ` +
              `(captured: ${Object.keys(row ?? {}).join(', ') || 'none'}): expected a column of every streamed table`,
          );
        }
        return fit(text(row[column]!));
      };
    }
  }
}

const tableOf = (event: ChangeEvent): string => `${event.source.database}.${event.source.schema}.${event.source.table}`;

const text = (value: CdcValue): string => (value === null ? 'null' : String(value));

const fit = (id: string): string => (id.length <= MAX_SESSION_ID ? id : createHash('sha256').update(id).digest('hex'));
