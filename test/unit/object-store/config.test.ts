// dump-dir sources in a bucket, as the config file and `config check` see them: exactly one of path and url,
// endpoint/region/profile only with url, no ssh with url, and never a credential in the file.
import { describe, expect, it } from 'vitest';
import { validateConfig, type DumpDirSourceConfig } from '../../../shared/config';
import { bucketLocation } from '../../../electron/engine/object-store/location';

const problems = (fields: Record<string, unknown>) => {
  const parsed = validateConfig({ sources: [{ id: 'orders-offsite', kind: 'dump-dir', ...fields }] });
  return parsed.ok ? [] : parsed.problems;
};

describe('dump-dir with url', () => {
  it('takes the example of the issue', () => {
    const parsed = validateConfig({ sources: [{ id: 'orders-offsite', kind: 'dump-dir', url: 's3://backups/orders/', endpoint: 'https://s3.example.com', region: 'eu-central-1', profile: 'backup-reader', maxAge: '26h' }] });
    expect(parsed.ok).toBe(true);
    const source = (parsed as { config: { sources: DumpDirSourceConfig[] } }).config.sources[0]!;
    expect(source).toMatchObject({ url: 's3://backups/orders/', endpoint: 'https://s3.example.com', region: 'eu-central-1', profile: 'backup-reader', maxAge: 26 * 3_600_000 });
    expect(source.path).toBeUndefined();
  });

  it.each([
    [{}, 'sources[0].path', /is required: set path to the directory .* or url to the bucket/],
    [{ path: '/backups', url: 's3://backups/' }, 'sources[0].url', /set path \(a directory\) or url \(a bucket\), not both/],
    [{ path: '/backups', endpoint: 'https://s3.example.com' }, 'sources[0].endpoint', /is for dumps in object storage: set url too/],
    [{ path: '/backups', profile: 'x' }, 'sources[0].profile', /is for dumps in object storage/],
    [{ url: 's3://backups/', host: 'backup1' }, 'sources[0].host', /a bucket \(url\) is read from here.*remove host/],
    [{ url: 's3://backups/', sshOptions: ['Port=2222'] }, 'sources[0].sshOptions', /remove sshOptions/],
    [{ url: 'https://backups/' }, 'sources[0].url', /must start with s3:\/\//],
    [{ url: 's3://AKIAXXXX:secretvalue@backups/' }, 'sources[0].url', /holds credentials/],
    [{ url: 's3://B/' }, 'sources[0].url', /must name a bucket/],
    [{ url: 's3://backups/', endpoint: 'ftp://s3.example.com' }, 'sources[0].endpoint', /must start with https:\/\/ or http:\/\//],
    [{ url: 's3://backups/', endpoint: 'https://key:secretvalue@s3.example.com' }, 'sources[0].endpoint', /holds credentials/],
    [{ url: 's3://backups/', endpoint: 'not a url' }, 'sources[0].endpoint', /is not a URL/],
    [{ url: 's3://backups/', region: 'eu central' }, 'sources[0].region', /must be a region name/],
  ])('%j: %s', (fields, path, message) => {
    const found = problems(fields);
    expect(found).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(JSON.stringify(found)).not.toContain('secretvalue');
  });

  it.each(['accessKeyId', 'secretAccessKey', 'aws_secret_access_key', 'sessionToken', 'credentials'])('refuses %s: credentials come from the SDK chain', (key) => {
    const found = problems({ url: 's3://backups/', [key]: 'wJalrXUtnFEMI/K7MDENG' });
    expect(found).toContainEqual({ path: `sources[0].${key}`, message: expect.stringMatching(/^credentials never go in the config file: .*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*profile/) });
    expect(JSON.stringify(found)).not.toContain('wJalrXUtnFEMI');
  });
});

describe('bucketLocation', () => {
  it.each([
    ['s3://backups/orders/', 'backups', 'orders/'],
    ['s3://backups/orders', 'backups', 'orders/'],
    ['s3://backups', 'backups', ''],
    ['s3://backups/', 'backups', ''],
    ['s3://backups/a/b/', 'backups', 'a/b/'],
  ])('%s', (url, bucket, prefix) => {
    expect(bucketLocation(url)).toEqual({ bucket, prefix, url: `s3://${bucket}/${prefix}` });
  });
});
