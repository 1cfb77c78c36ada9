import { ServiceCollection, ServiceResolutionError } from 'tributary/hosting';

describe('ServiceCollection', () => {
  it('creates singletons on first get, factories on every get', () => {
    let made = 0;
    const services = new ServiceCollection<{}>()
      .singleton('config', () => ({ id: ++made }))
      .factory('reader', (s) => ({ config: s.get('config'), n: ++made }));
    expect(made).toBe(0);
    const a = services.get('reader');
    const b = services.get('reader');
    expect(a).not.toBe(b);
    expect(a.config).toBe(b.config);
    expect(services.get('config')).toEqual({ id: 1 });
    expect(made).toBe(3);
    expect(services.has('reader')).toBe(true);
    expect(services.has('writer')).toBe(false);
  });

  it('disposes everything created, the last created first, by option or convention', async () => {
    const log: string[] = [];
    let sessions = 0;
    const services = new ServiceCollection<{}>()
      .singleton('pool', () => ({ close: () => log.push('pool.close') }))
      .singleton('client', async (s) => ({ pool: s.get('pool'), dispose: async () => void log.push('client.dispose') }))
      .factory('session', () => ({ n: ++sessions }), { dispose: (x) => void log.push(`session ${x.n}`) })
      .singleton('plain', () => 42)
      .instance('external', { close: () => log.push('external.close') });
    services.get('session');
    await services.get('client'); // creates pool first, then client
    services.get('session');
    services.get('plain');
    services.get('external'); // registered as an instance: its owner closes it
    await services.dispose(() => undefined);
    expect(log).toEqual(['session 2', 'client.dispose', 'pool.close', 'session 1']);
    await services.dispose(() => undefined);
    expect(log).toHaveLength(4); // once
  });

  it('reports a failing disposal and still disposes the others', async () => {
    const log: string[] = [];
    const services = new ServiceCollection<{}>()
      .singleton('a', () => ({ close: () => log.push('a') }))
      .singleton('b', () => ({
        close: () => {
          throw new Error('b broke');
        },
      }));
    services.get('a');
    services.get('b');
    const errors: [string, unknown][] = [];
    await services.dispose((name, e) => errors.push([name, e]));
    expect(log).toEqual(['a']);
    expect(errors).toEqual([['b', new Error('b broke')]]);
  });

  it('names unknown services and dependency cycles', () => {
    const services = new ServiceCollection<{}>()
      .singleton('a', (s): number => (s as ServiceCollection<{ b: number }>).get('b'))
      .singleton('b', (s): number => (s as ServiceCollection<{ a: number }>).get('a'));
    expect(() => services.get('a')).toThrow(new ServiceResolutionError('service dependency cycle: a → b → a'));
    expect(() => (services as unknown as ServiceCollection<{ c: number }>).get('c')).toThrow('service "c" is not registered (registered: a, b)');
  });

  it('lets a later registration replace an earlier one, and refuses new services once disposed', async () => {
    const services = new ServiceCollection<{}>().singleton('clock', () => 'real').singleton('clock', () => 'fake');
    expect(services.get('clock')).toBe('fake');
    const late = services.singleton('late', () => 1);
    await services.dispose(() => undefined);
    expect(() => late.get('late')).toThrow('service "late" requested after the services were disposed');
    expect(() => services.singleton('', () => 1)).toThrow('services: name must be a non-empty string, got ');
  });
});
