import { containProgressReply } from '../../src/cards/contain-views';
import { fileStatusReply } from '../../src/cards/block-views';
import type { FileStatus } from '../../src/domain/file-status';
import { refusalReply } from '../../src/cards/refusal-views';
import { newJob, type ContainJob } from '../../src/domain/containment';
import { DefenderError } from '../../src/errors';
import { cardTexts } from '../fixtures/card-texts';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const hash = { value: SHA1, type: 'Sha1' as const };
const ANA = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Analyst', tenantId: 't1' };
const texts = (reply: { card: { content: unknown } }) => cardTexts(reply.card.content);

function job(devices: ContainJob['devices'], phase: ContainJob['phase'] = 'finished'): ContainJob {
  const base = newJob({ id: 'j', hash, sha1: SHA1, comment: 'c', caller: ANA, devices: [] }, new Date('2026-12-01T10:00:00Z'), {
    confirmAbove: 25,
    pollMs: 30_000,
    watchMs: 3_600_000,
  });
  return { ...base, phase, devices };
}

describe('containment cards', () => {
  it('puts the counts on top, lists each device with a plain reason, names the missing permission, and says how to restore', () => {
    const reply = containProgressReply(
      job([
        { machineId: 'a', name: 'FIN-1', state: 'Succeeded' },
        { machineId: 'b', name: 'FIN-2', state: 'refused', reason: 'missing-permission', detail: 'scp lacks Machine.StopAndQuarantine' },
        { machineId: 'c', name: 'FIN-3', state: 'refused', reason: 'outside-device-groups', detail: 'Forbidden' },
        { machineId: 'd', name: 'FIN-4', state: 'TimeOut' },
      ]),
    );
    const t = texts(reply);
    expect(t[0]).toBe('Stop & quarantine finished: 1 of 4 devices done, 1 failed, 2 refused');
    expect(t.slice(1, 3)).toEqual(['SHA-1 of the file', SHA1]);
    expect(t.slice(3, 9)).toEqual(['Devices: 4', 'Succeeded: 1', 'Pending or in progress: 0', 'Failed: 1', 'Refused: 2', 'Acting as: Ana Analyst']);
    expect(t).toEqual(
      expect.arrayContaining([
        'FIN-2',
        "Refused: the sign-in lacks the Machine.StopAndQuarantine permission; ask an administrator to grant it to the bot's app registration. (scp lacks Machine.StopAndQuarantine)",
        'Refused: this device is outside your device groups in Defender.',
        'Timed out: the device did not carry it out in time',
      ]),
    );
    expect(t.at(-1)).toContain('MpCmdRun.exe -Restore -Name EUS:Win32/CustomEnterpriseBlock -All');
    expect(t.join('\n')).not.toMatch(/Undo\b(?! for)/);
  });

  it('a 403 while listing devices names both permissions to grant', () => {
    const error = new DefenderError('forbidden', 'Missing application roles', { httpStatus: 403, upstreamCode: 'Forbidden' });
    const t = texts(refusalReply({ kind: 'failed', error }, 'contain', ANA, hash)).join('\n');
    expect(t).toContain('Nothing stopped or quarantined');
    expect(t).toContain('Machine.Read');
    expect(t).toContain('Machine.StopAndQuarantine');
  });
});

describe('the containment headlines and offers say what they know', () => {
  const device = (i: number, state: ContainJob['devices'][number]['state']) => ({ machineId: `m${i}`, name: `FIN-${i}`, state });

  it('a running job says how many devices are done, failed and still pending', () => {
    const reply = containProgressReply(job([device(1, 'Succeeded'), device(2, 'Succeeded'), device(3, 'Succeeded'), device(4, 'Failed'), device(5, 'Pending')], 'tracking'));
    expect(texts(reply)[0]).toBe('Stop & quarantine running: 3 of 5 devices done, 1 failed, 1 still pending');
  });

  it("the block result's button promises no device count: Defender's prevalence is an estimate, said as one", () => {
    const status: FileStatus = { fileIdentifier: SHA1, fileIdentifierType: 'Sha1', actionType: 'Block', fileStatus: 'Blocked', confirmed: true, source: 'indicators' };
    const reply = fileStatusReply(status, { contain: { offerId: 'o1', orgPrevalence: 12_345 } });
    const titles = ((reply.card.content.actions ?? []) as Array<{ title: string }>).map((a) => a.title);
    expect(titles).toContain('Stop & quarantine where seen');
    expect(titles.join(' ')).not.toMatch(/\d/);
    expect(texts(reply)).toContain('Defender has seen this file on about 12,345 devices in your org. Stop & quarantine lists the devices it is on now before anything is done.');
  });
});
