/**
 * The `$cbs` node: claims-based authorization. The SDK puts a SAS token per entity (and per `<entity>/$management`)
 * before attaching links to it; the broker checks the signature with the namespace key, the expiry and the
 * audience, and remembers the authorized entity paths per connection.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Message } from 'rhea';

/** The outcome of one put-token request. */
export interface PutTokenResult {
  readonly statusCode: 200 | 202 | 401 | 404 | 400;
  readonly description: string;
  /** The entity path the token authorizes (lower case), on success. */
  readonly entityPath?: string;
}

/** What the CBS node needs from the broker. */
export interface CbsContext {
  readonly keyName: string;
  readonly key: string;
  /** `sb://127.0.0.1:<port>/` */
  readonly endpoint: string;
  entityExists(path: string): boolean;
  refuse(audience: string): boolean;
}

function parseSas(token: string): Record<string, string> | undefined {
  const prefix = 'SharedAccessSignature ';
  if (!token.startsWith(prefix)) return undefined;
  const fields: Record<string, string> = {};
  for (const pair of token.slice(prefix.length).split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return fields;
}

function signatureValid(fields: Record<string, string>, key: string): boolean {
  const { sr, sig, se } = fields;
  if (sr === undefined || sig === undefined || se === undefined) return false;
  const expected = createHmac('sha256', key).update(`${sr}\n${se}`).digest();
  let given: Buffer;
  try {
    given = Buffer.from(decodeURIComponent(sig), 'base64');
  } catch {
    return false;
  }
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Handles one put-token request. */
export function putToken(request: Message, context: CbsContext): PutTokenResult {
  const props = (request.application_properties ?? {}) as Record<string, unknown>;
  const audience = String(props['name'] ?? '');
  const type = String(props['type'] ?? '');
  if (props['operation'] !== 'put-token') {
    return { statusCode: 400, description: `unsupported $cbs operation '${String(props['operation'])}'; expected 'put-token'` };
  }
  if (context.refuse(audience)) {
    return { statusCode: 401, description: `InvalidSignature: The token has an invalid signature (injected refusal for '${audience}').` };
  }
  if (!audience.toLowerCase().startsWith(context.endpoint.toLowerCase())) {
    return { statusCode: 401, description: `InvalidAudience: The token audience '${audience}' is not under '${context.endpoint}'.` };
  }
  const entityPath = decodeURIComponent(audience.slice(context.endpoint.length)).replace(/\/$/, '');
  if (type === 'servicebus.windows.net:sastoken') {
    const fields = parseSas(String(request.body ?? ''));
    if (fields === undefined) return { statusCode: 401, description: 'InvalidSignature: the token is not a SharedAccessSignature.' };
    if (decodeURIComponent(fields['skn'] ?? '') !== context.keyName) {
      return { statusCode: 401, description: `InvalidSignature: unknown key name '${fields['skn'] ?? ''}'.` };
    }
    if (!signatureValid(fields, context.key)) return { statusCode: 401, description: 'InvalidSignature: The token has an invalid signature.' };
    if (Number(fields['se']) * 1000 < Date.now()) return { statusCode: 401, description: 'ExpiredToken: The token is expired.' };
  } else if (type !== 'jwt') {
    return { statusCode: 400, description: `unsupported token type '${type}'` };
  }
  if (entityPath !== '' && !context.entityExists(entityPath)) {
    return {
      statusCode: 404,
      description: `The messaging entity '${context.endpoint}${entityPath}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions.`,
    };
  }
  return { statusCode: 202, description: 'Accepted', entityPath: entityPath.toLowerCase() };
}
