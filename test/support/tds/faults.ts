import type { SqlErrorSpec, SqlRequest } from './api';

/** Which requests a fault applies to (default: every handler-routed request). */
export type RequestPredicate = (req: SqlRequest) => boolean;

interface CountedRule<T> {
  remaining: number;
  readonly predicate: RequestPredicate;
  readonly value: T;
}

/** SQL Server's text, severity and state for the errors tests inject most; others get a generic message. */
const KNOWN_ERRORS: Readonly<Record<number, { message: string; severity: number; state: number }>> = {
  18456: { message: "Login failed for user '{user}'.", severity: 14, state: 1 },
  40613: {
    message: "Database '{database}' on server 'tds-test-server' is not currently available. Please retry the connection later.",
    severity: 17,
    state: 1,
  },
  40501: { message: 'The service is currently busy. Retry the request after 10 seconds.', severity: 17, state: 1 },
  1205: {
    message:
      'Transaction (Process ID {spid}) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.',
    severity: 13,
    state: 51,
  },
  313: { message: 'An insufficient number of arguments were supplied for the procedure or function cdc.fn_cdc_get_all_changes_ ... .', severity: 16, state: 3 },
  229: { message: "The SELECT permission was denied on the object, database '{database}', schema 'cdc'.", severity: 14, state: 5 },
  208: { message: "Invalid object name 'cdc.change_tables'.", severity: 16, state: 1 },
  4060: { message: 'Cannot open database "{database}" requested by the login. The login failed.', severity: 11, state: 1 },
  1222: { message: 'Lock request time out period exceeded.', severity: 16, state: 56 },
};

/** Builds the ERROR a fault injects, filling `{user}`, `{database}`, `{spid}` from the session. */
export function injectedError(
  number: number,
  context: { user: string; database: string; spid: number },
  overrides: Partial<SqlErrorSpec> = {},
): SqlErrorSpec {
  const known = KNOWN_ERRORS[number] ?? { message: `Injected error ${number} (TDS test server fault).`, severity: 16, state: 1 };
  const message = (overrides.message ?? known.message)
    .replace('{user}', context.user)
    .replace('{database}', context.database)
    .replace('{spid}', String(context.spid));
  return { number, state: overrides.state ?? known.state, severity: overrides.severity ?? known.severity, message, line: overrides.line ?? 1 };
}

/**
 * The server's fault injection switchboard. Counted faults apply to the next `n` matching events and then
 * disarm; `delayResponsesMs` stays until set back to 0.
 *
 * @example
 * server.faults.failLogin(1);                       // next login: error 18456, connection closed
 * server.faults.failNext(1205, 2, (r) => r.sql.includes('fn_cdc_get_all_changes'));
 * server.faults.dropSocketMidResult(1, 500);        // the next result is cut after 500 rows
 * server.faults.delayResponsesMs(200);              // every response waits 200 ms (attention cuts the wait)
 * server.faults.closeAllConnections();              // every open connection is destroyed now
 */
export class TdsFaults {
  private loginFailures: Array<{ remaining: number; number: number }> = [];
  private errorRules: Array<CountedRule<{ number: number; overrides: Partial<SqlErrorSpec> }>> = [];
  private dropRules: Array<CountedRule<number>> = [];
  private delay = 0;

  constructor(private readonly closeAll: () => void) {}

  /**
   * The next `n` logins fail with `number` (default 18456 "Login failed", severity 14; tedious reports a
   * ConnectionError ELOGIN). A transient number such as 40613 makes tedious retry the login itself.
   */
  failLogin(n: number, number = 18456): void {
    this.loginFailures.push({ remaining: n, number });
  }

  /** The next `n` handler-routed requests matching `predicate` get error `errorNumber` instead of an answer. */
  failNext(errorNumber: number, n: number, predicate: RequestPredicate = () => true, overrides: Partial<SqlErrorSpec> = {}): void {
    this.errorRules.push({ remaining: n, predicate, value: { number: errorNumber, overrides } });
  }

  /**
   * The next `n` handler-routed requests matching `predicate` that produce result sets have their socket
   * destroyed after `afterRows` rows were sent (or before the final DONE if there are fewer rows).
   */
  dropSocketMidResult(n: number, afterRows: number, predicate: RequestPredicate = () => true): void {
    this.dropRules.push({ remaining: n, predicate, value: afterRows });
  }

  /** Every response (login excluded) waits `ms` first; 0 turns it off. An attention (cancel/timeout) cuts the wait. */
  delayResponsesMs(ms: number): void {
    this.delay = ms;
  }

  /** Destroys every open client connection now (clients see ECONNRESET / socket closed). */
  closeAllConnections(): void {
    this.closeAll();
  }

  /** Disarms every fault. */
  reset(): void {
    this.loginFailures = [];
    this.errorRules = [];
    this.dropRules = [];
    this.delay = 0;
  }

  /** @internal The current response delay. */
  get responseDelayMs(): number {
    return this.delay;
  }

  /** @internal Consumes a login failure, if armed. */
  takeLoginFailure(): number | undefined {
    const rule = this.loginFailures.find((r) => r.remaining > 0);
    if (rule === undefined) return undefined;
    rule.remaining--;
    this.loginFailures = this.loginFailures.filter((r) => r.remaining > 0);
    return rule.number;
  }

  /** @internal Consumes an error fault matching `req`, if armed. */
  takeError(req: SqlRequest): { number: number; overrides: Partial<SqlErrorSpec> } | undefined {
    return take(this.errorRules, req, (rules) => (this.errorRules = rules));
  }

  /** @internal Consumes a drop fault matching `req`, if armed: the number of rows to send first. */
  takeDrop(req: SqlRequest): number | undefined {
    return take(this.dropRules, req, (rules) => (this.dropRules = rules));
  }
}

function take<T>(rules: Array<CountedRule<T>>, req: SqlRequest, store: (rules: Array<CountedRule<T>>) => void): T | undefined {
  const rule = rules.find((r) => r.remaining > 0 && r.predicate(req));
  if (rule === undefined) return undefined;
  rule.remaining--;
  store(rules.filter((r) => r.remaining > 0));
  return rule.value;
}
