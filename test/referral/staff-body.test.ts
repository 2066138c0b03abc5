import { describe, expect, it } from 'vitest';
import { parseWorker } from '../../src/referral/staff-body.js';

const BY = { name: 'Pat Example', role: 'Team leader' };
const where = (body: unknown) => {
  const r = parseWorker(body);
  return r.ok ? [] : r.issues.map((i) => i.expression);
};

describe('the named worker body (issue 19 item 3)', () => {
  it('takes a name, a role, a work phone or email, and who named them', () => {
    expect(
      parseWorker({
        name: ' Jo Example ',
        role: 'Link worker',
        phone: '+44 (0)191 496-0000',
        recordedBy: BY,
      }),
    ).toEqual({
      ok: true,
      worker: { name: 'Jo Example', role: 'Link worker', phone: '+44 (0)191 496-0000' },
      recordedBy: BY,
    });
    expect(
      parseWorker({
        name: 'Jo',
        role: 'Link worker',
        email: 'jo@homegroup.example',
        recordedBy: { name: 'Jo' },
      }),
    ).toMatchObject({ ok: true, worker: { email: 'jo@homegroup.example' } });
  });

  it('the ward must be able to reach the worker: a phone or an email is required', () => {
    expect(where({ name: 'Jo', role: 'Link worker', recordedBy: BY })).toEqual(['phone']);
  });

  it('reports every problem at once, each located', () => {
    expect(where({})).toEqual(['name', 'role', 'phone', 'recordedBy']);
    expect(
      where({
        name: '',
        role: 'x'.repeat(101),
        phone: 'call me',
        email: 'not-an-address',
        nhsNumber: '1',
        recordedBy: { role: 1 },
      }),
    ).toEqual(['nhsNumber', 'name', 'role', 'phone', 'email', 'recordedBy.role', 'recordedBy.name']);
    expect(where([])).toEqual(['$']);
    for (const email of ['a@b', 'a b@c.example', '@c.example', 'a@.example', 'a@c..example'])
      expect(where({ name: 'Jo', role: 'R', email, recordedBy: BY })).toEqual(['email']);
    for (const phone of ['123456', '0191 496 0000 0000 00 0', '+44 191 496 000x', '(0191) 496'])
      expect(where({ name: 'Jo', role: 'R', phone, recordedBy: BY })).toEqual(['phone']);
  });
});
