import type { DeviceRefusalReason, DeviceSighting } from '../domain/containment-ports';
import { countDevices, type ContainDevice, type ContainJob, type ContainPlan } from '../domain/containment';
import { HASH_NAMES, type FileHash } from '../domain/file-hash';
import type { FollowUp, FollowUpFinding } from '../domain/follow-up';
import { CardVerb } from './card-verbs';
import { count, factsAndFields, formatUtc, localTime, toneStyle, withUtcTimes, type Tone } from './card-text';
import { noticeReply } from './notice';
import { renderCard, type Reply } from './render';
import { shown, shownName } from './safe-text';

/** Devices named on a progress card; the rest are counted. */
const LISTED = 10;
/** Devices named on the card that asks before anything is done. */
const LISTED_FOUND = 6;

/** Said on every containment card: there is no Undo, and how a device gets the file back. */
export const RESTORE =
  'There is no Undo for this action. To restore a quarantined file on a device, run "MpCmdRun.exe -Restore -Name EUS:Win32/CustomEnterpriseBlock -All" on that device.';

/** The bot's Defender API has no device actions. */
export function noContainmentReply(): Reply {
  return noticeReply('This bot cannot stop & quarantine files', [
    'Stop & quarantine runs on the Defender for Endpoint API, and this bot uses the legacy files API (DEFENDER_API=files). Nothing was done on any device.',
  ]);
}

/** The devices found, before anything is done: nothing to do, a confirmation, or (above Defender's limit) an org-wide indicator instead. */
export function containDevicesReply(input: {
  readonly hash: FileHash;
  readonly comment: string;
  readonly plan: Exclude<ContainPlan, { kind: 'go' }> | { readonly kind: 'unknownFile' };
  readonly devices: readonly DeviceSighting[];
  readonly draftId?: string;
  readonly expiresAt?: string;
}): Reply {
  const { plan, devices } = input;
  const n = count(devices.length);
  const [headline, tone, lines] = ((): [string, Tone, string[]] => {
    switch (plan.kind) {
      case 'unknownFile':
        return ['Nothing to contain: Defender does not know this file', 'default', ['Defender has no record of this file on any device, so nothing was stopped or quarantined.']];
      case 'nothing':
        return [
          'Nothing to contain: no device has this file',
          'default',
          ['Defender saw the file on no device in your device groups in the last 30 days, so nothing was stopped or quarantined.'],
        ];
      case 'confirm':
        return [
          `Stop & quarantine on ${n} ${n === '1' ? 'device' : 'devices'}? Nothing sent yet`,
          'warning',
          [
            `The file was seen on ${n} devices, more than ${count(plan.above)}: nothing has been sent yet. Stopping the file's processes and quarantining it may disrupt the people on them.`,
            input.expiresAt ? `The buttons work until ${localTime(input.expiresAt)}.` : '',
          ].filter(Boolean),
        ];
      case 'tooMany':
        return [
          `Not contained: ${n} devices is more than Defender acts on one by one`,
          'attention',
          [
            `Defender acts device by device on at most ${count(plan.limit)} devices; nothing was sent. A "Block and remediate" indicator blocks the file everywhere and remediates it on every device that has it.`,
          ],
        ];
    }
  })();
  const card = renderCard('contain-devices', {
    headline,
    tone: toneStyle(tone),
    hashLabel: `${HASH_NAMES[input.hash.type]} of the file`,
    hash: input.hash.value,
    lines,
    devices: devices.slice(0, LISTED_FOUND).map(seenLine),
    moreDevices: devices.length > LISTED_FOUND ? `…and ${count(devices.length - LISTED_FOUND)} more devices.` : '',
    footer: plan.kind === 'confirm' ? RESTORE : '',
    draftId: plan.kind === 'confirm' ? (input.draftId ?? '') : '',
    confirmTitle: `Contain ${n} ${n === '1' ? 'device' : 'devices'}`,
    remediateText: plan.kind === 'tooMany' ? `block ${input.hash.value} action:remediate ${oneLine(input.comment)}` : '',
    verbs: CardVerb,
  });
  return { card, summary: withUtcTimes(`${headline}. ${lines[0] ?? ''}`) };
}

/** The one progress card of a job, updated in place: counts on top, then each device as Defender reports it. */
export function containProgressReply(job: ContainJob, callerName: string = job.caller.name): Reply {
  const c = countDevices(job.devices);
  const headline = headlineOf(job, c);
  const laid = factsAndFields([
    { label: 'Devices', value: count(c.total) },
    { label: 'Succeeded', value: count(c.succeeded) },
    { label: 'Pending or in progress', value: count(c.open) },
    { label: 'Failed', value: count(c.failed) },
    { label: 'Refused', value: count(c.refused) },
    ...(c.unknown ? [{ label: 'Outcome unknown', value: count(c.unknown) }] : []),
    { label: 'Acting as', value: shownName(callerName) },
  ]);
  const progressText =
    job.phase === 'finished'
      ? job.watchEnded
        ? `Tracking ended at ${localTime(job.endedAt ?? job.watchUntil)}; actions still open may yet finish in Defender (the portal's Action center shows them).`
        : 'Every device is accounted for.'
      : `Defender reports each device's action; this card updates by itself (next check ${localTime(job.nextAt)}, tracking until ${localTime(job.watchUntil)}).`;
  const card = renderCard('contain-progress', {
    headline: headline.text,
    tone: toneStyle(headline.tone),
    hashLabel: `${HASH_NAMES[job.hash.type]} of the file`,
    hash: job.hash.value,
    sha1: job.hash.type === 'Sha1' ? '' : job.sha1,
    facts: laid.facts,
    fields: laid.fields,
    progressText,
    pausedText: job.paused
      ? `Tracking paused: ${shownName(callerName)} is not signed in to the bot any more, so it cannot ask Defender. It resumes by itself once they sign in again (send "sign in").`
      : '',
    devices: job.devices.slice(0, LISTED).map((d) => ({
      name: shown(d.name ?? d.machineId, { max: 120 }),
      ...stateOf(d),
    })),
    moreDevices: job.devices.length > LISTED ? `…and ${count(job.devices.length - LISTED)} more devices; "history" with the hash above lists every one.` : '',
    auditNote: job.auditMissed
      ? `${count(job.auditMissed)} audit ${job.auditMissed === 1 ? 'entry' : 'entries'} could not be written: "history" does not show ${job.auditMissed === 1 ? 'that step' : 'those steps'}.`
      : '',
    restore: RESTORE,
  });
  return { card, summary: headline.text };
}

function headlineOf(job: ContainJob, c: ReturnType<typeof countDevices>): { text: string; tone: Tone } {
  const n = `${count(c.total)} ${c.total === 1 ? 'device' : 'devices'}`;
  if (job.phase === 'sending') return { text: `Stop & quarantine: sending to ${n}`, tone: 'default' };
  if (job.watchEnded) return { text: `Stop & quarantine: tracking ended, ${count(c.open)} of ${count(c.total)} still open`, tone: 'warning' };
  if (c.succeeded === c.total) return { text: `Stopped & quarantined on ${n}`, tone: 'good' };
  const rest = [
    c.failed ? `${count(c.failed)} failed` : '',
    c.refused ? `${count(c.refused)} refused` : '',
    c.unknown ? `${count(c.unknown)} outcome unknown` : '',
    c.open ? `${count(c.open)} still pending` : '',
  ].filter(Boolean);
  const tally = `${count(c.succeeded)} of ${n} done${rest.length ? `, ${rest.join(', ')}` : ''}`;
  if (job.phase === 'tracking') return { text: `Stop & quarantine running: ${tally}`, tone: 'default' };
  return { text: `Stop & quarantine finished: ${tally}`, tone: 'attention' };
}

const REASONS: Record<DeviceRefusalReason, string> = {
  'unsupported-platform': 'Not supported on this device: stop & quarantine needs Windows (10 1703 or later, 11, Server 2012 R2 or later) with Defender Antivirus.',
  'outside-device-groups': 'Refused: this device is outside your device groups in Defender.',
  'device-not-found': 'Defender no longer knows this device.',
  'missing-permission': "Refused: the sign-in lacks the Machine.StopAndQuarantine permission; ask an administrator to grant it to the bot's app registration.",
  'microsoft-signed': 'Refused: Microsoft-signed or trusted files cannot be quarantined.',
  other: 'Refused by Defender.',
};

/** A device's state in words: final outcomes in bold, problems in the (readable) attention colour, never in low-contrast good or warning text. */
function stateOf(d: ContainDevice): { state: string; color: string; weight: string } {
  switch (d.state) {
    case 'queued':
      return { state: 'Not sent yet', color: 'Default', weight: 'Default' };
    case 'Pending':
      return d.alreadyRunning
        ? { state: 'Pending: an earlier stop & quarantine is still running on this device.', color: 'Default', weight: 'Default' }
        : { state: 'Pending: Defender waits for the device (an offline device stays pending).', color: 'Default', weight: 'Default' };
    case 'InProgress':
      return { state: 'In progress', color: 'Default', weight: 'Default' };
    case 'Succeeded':
      return { state: 'Succeeded: stopped and quarantined', color: 'Default', weight: 'Bolder' };
    case 'Failed':
      return { state: 'Failed', color: 'Attention', weight: 'Bolder' };
    case 'TimeOut':
      return { state: 'Timed out: the device did not carry it out in time', color: 'Attention', weight: 'Bolder' };
    case 'Cancelled':
      return { state: 'Cancelled in Defender: not quarantined', color: 'Attention', weight: 'Bolder' };
    case 'unknown':
      return { state: `Outcome unknown: ${shown(d.detail ?? 'the answer was lost')}`, color: 'Attention', weight: 'Bolder' };
    case 'refused': {
      const words = REASONS[d.reason ?? 'other'];
      const detail = d.reason === 'missing-permission' || d.reason === 'other' ? (d.detail ? ` (${shown(d.detail, { max: 200 })})` : '') : '';
      return { state: `${words}${detail}`, color: 'Attention', weight: 'Bolder' };
    }
  }
}

function seenLine(d: DeviceSighting): { name: string; seen: string } {
  const os = d.osPlatform ? ` · ${shown(d.osPlatform, { max: 40 })}` : '';
  return { name: shown(d.name ?? d.id, { max: 120 }), seen: `${d.lastSeen ? `last seen ${localTime(d.lastSeen)}` : 'last seen: unknown'}${os}` };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}

/** The check-back posted in the block's thread: the block now, devices seen since, containment, and Contain now when devices remain. */
export function followUpReply(followUp: FollowUp, finding: Extract<FollowUpFinding, { kind: 'report' }>, offerId?: string): Reply {
  const { block, seenSince, remaining, jobs } = finding;
  const blockLine = ((): { text: string; headline: string; tone: Tone } => {
    switch (block.kind) {
      case 'inForce':
        return {
          headline: 'Follow-up: the block is still in force',
          tone: 'good',
          text: `The block set by ${shownName(followUp.blockedBy.name)} at ${localTime(followUp.blockedAt)} is still in force in Defender.`,
        };
      case 'lifted':
        return {
          headline: 'Follow-up: the block was lifted, the file is NOT blocked',
          tone: 'attention',
          text: block.by
            ? `${shownName(block.by)} lifted the block${block.at ? ` at ${localTime(block.at)}` : ''}${block.how === 'unblock' ? ' through the bot' : ''}.`
            : 'The block is no longer in force, and neither the bot nor Defender says who lifted it (it was lifted outside the bot).',
        };
      case 'expired':
        return {
          headline: 'Follow-up: the block expired, the file is NOT blocked',
          tone: 'attention',
          text: `The block expired at ${localTime(block.at)}: the file is not blocked any more.`,
        };
      case 'unknown':
        return {
          headline: 'Follow-up: the block could not be checked',
          tone: 'warning',
          text: `Defender could not be asked whether the block is still in force (${shown(block.detail, { max: 200 })}).`,
        };
    }
  })();
  const left = remaining?.length ?? 0;
  const devicesLine =
    seenSince === undefined
      ? 'The bot could not list the devices the file was seen on.'
      : seenSince.length === 0
        ? 'The file has been seen on no device since the block.'
        : `The file has been seen on ${count(seenSince.length)} ${seenSince.length === 1 ? 'device' : 'devices'} since the block${remaining && remaining.length < seenSince.length ? `; stop & quarantine succeeded on ${count(seenSince.length - remaining.length)} of them` : ''}.`;
  const laid = factsAndFields([
    { label: 'Blocked by', value: shownName(followUp.blockedBy.name) },
    { label: 'Blocked', value: formatUtc(followUp.blockedAt), at: followUp.blockedAt },
    ...(seenSince ? [{ label: 'Devices seen since', value: count(seenSince.length) }] : []),
  ]);
  const jobLines = jobs.slice(0, 5).map((job) => {
    const c = countDevices(job.devices);
    return `Stop & quarantine started ${localTime(job.createdAt)}: ${count(c.succeeded)} of ${count(c.total)} ${c.total === 1 ? 'device' : 'devices'} done${job.phase === 'finished' ? '' : ' (still running)'}.`;
  });
  const card = renderCard('contain-follow-up', {
    headline: blockLine.headline,
    tone: toneStyle(blockLine.tone),
    hashLabel: `${HASH_NAMES[followUp.hash.type]} of the file`,
    hash: followUp.hash.value,
    lines: [
      blockLine.text,
      devicesLine,
      ...(jobs.length === 0 ? ['No stop & quarantine was run for this file.'] : jobLines),
      ...(left > 0 && offerId ? [`${count(left)} of them ${left === 1 ? 'has' : 'have'} no successful stop & quarantine yet: Contain now runs it there.`] : []),
    ],
    facts: laid.facts,
    fields: laid.fields,
    footer: 'Checked once, as the person who blocked; the audit trail keeps this check.',
    offerId: left > 0 ? (offerId ?? '') : '',
    containTitle: `Contain now (${count(left)} ${left === 1 ? 'device' : 'devices'})`,
    verbs: CardVerb,
  });
  return { card, summary: withUtcTimes(`${blockLine.headline}. ${devicesLine}`) };
}

/** The follow-up could not check the file: the person who blocked is not signed in any more. */
export function followUpNotCheckedReply(followUp: FollowUp): Reply {
  return noticeReply(
    'Follow-up: the block could not be checked',
    [
      `The bot checks a block again as the person who set it, and ${shownName(followUp.blockedBy.name)} is not signed in to the bot any more, so Defender was not asked.`,
      `Send "status ${followUp.hash.value}" to see the block and the devices now.`,
    ],
    { tone: 'default' },
  );
}
