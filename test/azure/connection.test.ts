import { BlobCheckpointStore, BlobStorageError, azuriteConnectionString, AzuriteDevelopmentAccount, blobContainer } from 'tributary/azure';
import { freshContainer, sharedAzurite } from '../support/azurite';

describe('blob connection configuration', () => {
  it('connects with a connection string (here Azurite’s development account)', async () => {
    const { containerName } = await freshContainer();
    const container = blobContainer({ container: containerName, connectionString: sharedAzurite() });
    expect(container.containerName).toBe(containerName);
    expect(await container.exists()).toBe(true);
    expect(azuriteConnectionString()).toBe(
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AzuriteDevelopmentAccount.key};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;`,
    );
  });

  it('connects with an account URL and a token credential (DefaultAzureCredential by default)', () => {
    const container = blobContainer({ container: 'state', accountUrl: 'https://acct.blob.core.windows.net' });
    expect(container.url).toBe('https://acct.blob.core.windows.net/state');
  });

  it('fails at once, naming container and blob, when the credential cannot get a token', async () => {
    let calls = 0;
    const credential = {
      getToken: async () => {
        calls++;
        throw Object.assign(new Error('no managed identity endpoint found'), { name: 'CredentialUnavailableError' });
      },
    };
    const container = blobContainer({ container: 'state', accountUrl: 'https://acct.blob.core.windows.net', credential });
    const error = await new BlobCheckpointStore<number>({ container, retry: { maxAttempts: 5 } }).load('orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobStorageError);
    expect(error).toMatchObject({ transient: false, container: 'state', blob: 'orders.json' });
    expect((error as Error).message).toMatch(/^load checkpoint of blob 'orders.json' in container 'state' was refused \(no managed identity endpoint found\): check the credential/);
    expect(calls).toBe(1);
  });

  it.each([
    [{ container: 'ab', connectionString: 'x' }, /container must be 3-63 lowercase letters, digits and single hyphens.*got "ab"/],
    [{ container: 'Upper', connectionString: 'x' }, /got "Upper"/],
    [{ container: 'a--b', connectionString: 'x' }, /got "a--b"/],
    [{ container: 'state', connectionString: ' ' }, "blobContainer: connectionString for container 'state' must be a non-empty string"],
    [{ container: 'state', accountUrl: 'acct.blob.core.windows.net' }, /accountUrl for container 'state' must be an http\(s\) URL/],
    [{ container: 'state' }, "blobContainer: give connectionString or accountUrl for container 'state'"],
  ])('validates %j', (config, message) => {
    expect(() => blobContainer(config as never)).toThrow(message);
  });
});
