import { AZURITE_ENV, startAzurite } from './azurite';

/** A server the whole jest run shares: started once in global setup, its address passed to workers by env vars. */
export interface TestService {
  readonly name: string;
  start(): Promise<RunningTestService>;
}

export interface RunningTestService {
  /** Environment variables the test workers find the service with. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** Every shared test server; add new ones here. */
export const testServices: readonly TestService[] = [
  {
    name: 'azurite',
    async start() {
      const server = await startAzurite();
      return { env: { [AZURITE_ENV]: server.connectionString }, stop: () => server.stop() };
    },
  },
];
