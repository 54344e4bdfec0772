// The channel edits' pieces over a real config file: what the form is sent of a channel (never its secrets),
// where a new channel lands in files of every shape, and a "__proto__" from the wire staying a refused key.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { channelCandidate, editableChannel, withChannel } from '../../../electron/engine/alert-channel-edit';

const root = mkdtempSync(join(tmpdir(), 'bh-channel-edit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function configFile(text: string): string {
  const file = join(root, `config-${++n}.yml`);
  writeFileSync(file, text);
  return file;
}

describe('editableChannel', () => {
  it("sends the form no secret: a URL with a path shows its host, a bare server shows whole; topic and header values are 'kept'", () => {
    const hook = editableChannel({ id: 'h', kind: 'slack', url: 'https://hooks.slack.com/services/T0/B0/XyZ', minStatus: 'critical' });
    expect(hook).toEqual({ id: 'h', fields: { id: 'h', kind: 'slack', minStatus: 'critical' }, kept: { url: 'hooks.slack.com' }, fileOnly: [] });
    const phone = editableChannel({ id: 'p', kind: 'ntfy', url: 'https://ntfy.example.com', topic: 'secret-topic', passwordEnv: 'NTFY_TOKEN' });
    expect(phone.fields).toEqual({ id: 'p', kind: 'ntfy', url: 'https://ntfy.example.com', passwordEnv: 'NTFY_TOKEN' });
    expect(phone.kept).toEqual({ topic: 'set' });
    expect(phone.fileOnly.map((f) => f.field)).toEqual(['passwordEnv']);
    const headers = editableChannel({ id: 'w', kind: 'webhook', url: 'https://h.example.com/?key=abc', headers: { 'X-Team': 'dba', Authorization: { env: 'HOOK_AUTH' } } });
    expect(headers.kept).toEqual({ url: 'h.example.com', 'headers.X-Team': 'set', 'headers.Authorization': '$HOOK_AUTH' });
    expect(JSON.stringify(headers)).not.toMatch(/key=abc|"dba"/);
  });
});

describe('withChannel', () => {
  it('adds alerts and channels where the file has neither, and to an empty or commented-out section', () => {
    const channel = { id: 'h', kind: 'webhook', url: 'https://h.example.com/x' };
    expect(withChannel('sources: []\n', channel)).toBe('sources: []\nalerts:\n  channels:\n    - id: h\n      kind: webhook\n      url: https://h.example.com/x\n');
    expect(withChannel('', channel)).toBe('alerts:\n  channels:\n    - id: h\n      kind: webhook\n      url: https://h.example.com/x\n');
    expect(withChannel('alerts:\n  dashboardUrl: https://b.example.com/\n', channel)).toContain('alerts:\n  dashboardUrl: https://b.example.com/\n  channels:\n    - id: h\n');
    // an empty list becomes a block list; comments stay, if below what was added
    expect(withChannel('alerts:\n  channels: [] # none yet\n', channel)).toBe('alerts:\n  channels:\n    - id: h\n      kind: webhook\n      url: https://h.example.com/x\n    # none yet\n');
    expect(withChannel('alerts:\n  # channels:\n  #   - id: old\n', channel)).toBe('alerts:\n  channels:\n    - id: h\n      kind: webhook\n      url: https://h.example.com/x\n  # channels:\n  #   - id: old\n');
  });
});

describe('channelCandidate', () => {
  it('a "__proto__" field is a key the schema refuses, never a prototype that would smuggle in a command', () => {
    const file = configFile('sources: []\n');
    const channel = JSON.parse('{"id":"h","kind":"webhook","url":"https://h.example.com/","__proto__":{"command":["/bin/sh"],"passwordStored":true}}') as Record<string, unknown>;
    const result = channelCandidate({ configFile: file }, { channel });
    expect(result.text).toBeUndefined();
    expect(result.problems.length).toBeGreaterThan(0);
    expect(result.problems.some((p) => p.path === '__proto__' || p.path === '')).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('sources: []\n');
  });
});
