// The channel form's model: a channel as the file has it, to the form's text and back, keeping what the form
// does not show (headers, a passwordFile, a variable's name) exactly as written.
import { describe, expect, it } from 'vitest';
import { channelFromForm, emptyChannelForm, formFromChannel, withChannelKind } from '../../../renderer/settings/channel-form';

describe('channel form', () => {
  it('round-trips an e-mail channel, with lists as one line and its smtp variable kept as written', () => {
    const fields = { id: 'ops-mail', kind: 'email', to: ['ops@example.com', 'dba@example.com'], from: 'bh@example.com', recoveries: true, smtp: { host: 'mail.example.com', port: 587, user: 'bh', passwordEnv: 'SMTP_PASSWORD' } };
    const form = formFromChannel({ id: 'ops-mail', fields, kept: {}, fileOnly: [] });
    expect(form.text).toMatchObject({ to: 'ops@example.com, dba@example.com', 'smtp.port': '587', 'smtp.host': 'mail.example.com' });
    expect(form.smtpExtra).toEqual({ passwordEnv: 'SMTP_PASSWORD' });
    expect(channelFromForm(form)).toEqual(fields);
  });

  it('keeps what is not on the form, writes id and kind first, and says passwordStored where the kind keeps it', () => {
    const form = formFromChannel({ id: 'hook', fields: { id: 'hook', kind: 'webhook', headers: { 'X-Team': 'dba' }, passwordStored: true }, kept: { url: 'h.example.com' }, fileOnly: [] });
    expect(form.passwordStored).toBe(true);
    expect(Object.keys(channelFromForm(form))).toEqual(['id', 'kind', 'headers', 'passwordStored']);
    expect(channelFromForm({ ...form, passwordStored: false })).toEqual({ id: 'hook', kind: 'webhook', headers: { 'X-Team': 'dba' } });
    const mail = { ...emptyChannelForm('email'), text: { id: 'm', 'smtp.host': 'mail.example.com' }, passwordStored: true };
    expect(channelFromForm(mail)).toEqual({ id: 'm', kind: 'email', smtp: { host: 'mail.example.com', passwordStored: true } });
  });

  it('a new kind keeps the id and the filters, and drops the rest; a port or priority that is not a number stays text for its message', () => {
    const ntfy = { ...emptyChannelForm('ntfy'), text: { id: 'x', sources: 'a', topic: 't', priority: 'high' } };
    expect(channelFromForm(ntfy)).toEqual({ id: 'x', kind: 'ntfy', sources: ['a'], topic: 't', priority: 'high' });
    expect(withChannelKind(ntfy, 'slack').text).toEqual({ id: 'x', sources: 'a' });
  });
});
