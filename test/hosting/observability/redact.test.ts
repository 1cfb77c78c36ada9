import { redactSecrets, renderError, sanitize } from '../../../hosting/logging/redact';

describe('redactSecrets', () => {
  it.each([
    [
      'ADO.NET password (with spaces, up to ;)',
      'Server=db;User Id=sa;Password=p@ss w0rd;Encrypt=true',
      'Server=db;User Id=sa;Password=[REDACTED];Encrypt=true',
    ],
    ['Pwd at the end', 'Server=db;Uid=sa;Pwd=abc', 'Server=db;Uid=sa;Pwd=[REDACTED]'],
    ['quoted and braced values', 'Password="a;b";Pwd={c;d};x=1', 'Password=[REDACTED];Pwd=[REDACTED];x=1'],
    [
      'Azure Storage AccountKey',
      'AccountName=a;AccountKey=Zm9vYmFy+/==;EndpointSuffix=core.windows.net',
      'AccountName=a;AccountKey=[REDACTED];EndpointSuffix=core.windows.net',
    ],
    [
      'Service Bus SharedAccessKey',
      'Endpoint=sb://n/;SharedAccessKeyName=r;SharedAccessKey=k3y=;EntityPath=q',
      'Endpoint=sb://n/;SharedAccessKeyName=r;SharedAccessKey=[REDACTED];EntityPath=q',
    ],
    [
      'SAS sig in a URL',
      'GET https://a.blob.core.windows.net/c?sv=1&sig=x%2By%3D&se=2 -> 403',
      'GET https://a.blob.core.windows.net/c?sv=1&sig=[REDACTED]&se=2 -> 403',
    ],
    [
      'SharedAccessSignature in a connection string',
      'BlobEndpoint=https://a/;SharedAccessSignature=sv=1&sig=abc',
      'BlobEndpoint=https://a/;SharedAccessSignature=[REDACTED]',
    ],
    ['Bearer token', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig', 'Authorization: Bearer [REDACTED]'],
    [
      'Service Bus SAS token header',
      'SharedAccessSignature sr=sb%3A%2F%2Fn&sig=abc&se=1&skn=r',
      'SharedAccessSignature [REDACTED]',
    ],
    ['JSON password', '{"user":"u","password":"p\\"w"}', '{"user":"u","password":"[REDACTED]"}'],
    ['YAML-ish secret', 'client_secret: s3cr3t, tenant: t', 'client_secret: [REDACTED], tenant: t'],
    ['URL user info', 'amqps://user:pa55@host:5671', 'amqps://user:[REDACTED]@host:5671'],
  ])('%s', (_what, input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    const text = 'Basic auth failed for table dbo.orders; 3 rows at 12:00:01, token count 5';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('sanitize', () => {
  it('replaces string values of secret-named fields and redacts the rest, at any depth', () => {
    expect(sanitize({ user: 'u', password: 'p', nested: [{ clientSecret: 's', tokenCount: 5, dsn: 'Server=x;Password=y' }] })).toEqual({
      user: 'u',
      password: '[REDACTED]',
      nested: [{ clientSecret: '[REDACTED]', tokenCount: 5, dsn: 'Server=x;Password=[REDACTED]' }],
    });
  });

  it('replaces whole objects and arrays under secret-named fields (regression: their inner fields leaked)', () => {
    // e.g. an Azure named-key credential ({ _name, _key }) logged as a field named "credential"
    expect(sanitize({ credential: { _name: 'acct', _key: 'c2VjcmV0' }, tokens: ['abc'], password: { value: 'hunter2' }, tokenCount: 5 })).toEqual({
      credential: '[REDACTED]',
      tokens: '[REDACTED]',
      password: '[REDACTED]',
      tokenCount: 5,
    });
  });

  it('renders maps, sets, buffers and deep objects', () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } };
    expect(sanitize({ m: new Map([['k', 1]]), s: new Set(['x']), b: Buffer.from('abc'), deep })).toEqual({
      m: { k: 1 },
      s: { 0: 'x' },
      b: '[Buffer 3 bytes]',
      deep: { a: { b: { c: { d: { e: { f: { g: '[Object]' } } } } } } },
    });
  });
});

describe('renderError', () => {
  it('lists AggregateError members and causes, redacted', () => {
    const error = new AggregateError([new Error('first Password=a;'), new Error('second')], 'all failed', { cause: new Error('root sig=zzz') });
    const rendered = renderError(error);
    expect(rendered.kind).toBe('AggregateError');
    expect(rendered.message).toBe('all failed');
    expect(rendered.stack).toContain('[0] Error: first Password=[REDACTED];');
    expect(rendered.stack).toContain('[1] Error: second');
    expect(rendered.stack).toContain('Caused by: Error: root sig=[REDACTED]');
  });
});
