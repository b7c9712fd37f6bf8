import type { FileReport } from '../domain/file-report';
import { HASH_NAMES } from '../domain/file-hash';
import type { AuditEntry } from '../domain/ports';
import { CardVerb } from './card-verbs';
import { count, defenderWord, factsAndFields, formatUtc, localTime, optionalFact, toneStyle, type Fact, type Tone } from './card-text';
import { renderCard, type Reply } from './render';
import { NAME_MAX, shown, shownInRun, shownName } from './safe-text';

/** The status card: the block in force (or the last one lifted) and what Defender knows of the file. */
export function fileReportReply(report: FileReport, lastLifted: AuditEntry | undefined, canBlock: boolean): Reply {
  const { block, info, stats } = report;
  const blocking = block && ['block', 'blockandremediate', 'alertandblock'].includes(block.actionType.toLowerCase());
  const headline = block ? (blocking ? 'Blocked' : notBlockingHeadline(block.actionType)) : 'Not blocked';
  const tone: Tone = blocking ? 'good' : block ? 'warning' : 'default';
  const blockFacts: Fact[] = block
    ? [
        ...optionalFact('Action', block.actionType, defenderWord),
        ...optionalFact('Requested by', block.requestor, undefined, NAME_MAX),
        ...optionalFact('Since', block.creationDateTimeUtc, formatUtc),
        ...optionalFact('Expires', block.expirationTime, formatUtc),
        ...optionalFact('Indicator id', block.indicatorId),
      ]
    : [];
  const lifted = block ? { text: '', comment: '' } : liftedTrail(lastLifted);
  const signer = info?.signer ?? info?.filePublisher;
  const fileFacts: Fact[] = [
    ...optionalFact('Devices in your org', stats?.orgPrevalence !== undefined ? count(stats.orgPrevalence) : undefined),
    ...optionalFact('First seen in org', stats?.orgFirstSeen, formatUtc),
    ...optionalFact('Last seen in org', stats?.orgLastSeen, formatUtc),
    ...optionalFact('Names', stats?.topFileNames?.slice(0, 5).join(', ')),
    ...optionalFact('Signer', signer ? `${signer}${info?.isValidCertificate === false ? ' (certificate not valid)' : ''}` : undefined),
    ...optionalFact('Product', info?.fileProductName),
    ...optionalFact('Type', info?.fileType, defenderWord),
    ...optionalFact('Size', info?.size !== undefined ? `${count(info.size)} bytes` : undefined),
    ...optionalFact('Seen worldwide', (info?.globalPrevalence ?? stats?.globalPrevalence) !== undefined ? count((info?.globalPrevalence ?? stats?.globalPrevalence)!) : undefined),
    ...optionalFact('Determination', info?.determinationType),
    ...optionalFact('SHA-1', report.hash.type !== 'Sha1' ? info?.sha1 : undefined),
    ...optionalFact('SHA-256', report.hash.type !== 'Sha256' ? info?.sha256 : undefined),
  ];
  const blockLaid = factsAndFields(blockFacts);
  const fileLaid = factsAndFields(fileFacts);
  const card = renderCard('file-report', {
    headline,
    tone: toneStyle(tone),
    hashLabel: `${HASH_NAMES[report.hash.type]} of the file`,
    hash: report.hash.value,
    blockTitle: blocking ? 'Block' : 'Indicator (does not block)',
    hasBlock: blockFacts.length > 0,
    blockFacts: blockLaid.facts,
    blockFactsFields: blockLaid.fields,
    comment: shownInRun(block?.requestorComment ?? ''),
    liftedText: lifted.text,
    liftedComment: shownInRun(lifted.comment),
    hasFileFacts: fileFacts.length > 0,
    fileFacts: fileLaid.facts,
    fileFactsFields: fileLaid.fields,
    canBlock: canBlock && !block,
    verbs: CardVerb,
  });
  const where = stats?.orgPrevalence !== undefined ? `, on ${count(stats.orgPrevalence)} devices` : '';
  return { card, summary: `${headline}: ${HASH_NAMES[report.hash.type]} ${report.hash.value}${where}` };
}

/** What an indicator that does not block does, said in its headline. */
function notBlockingHeadline(actionType: string): string {
  const does: Record<string, string> = { audit: 'only audited', warn: 'users are only warned', alert: 'only alerts', allowed: 'allowed', allow: 'allowed' };
  return `Not blocked: ${does[actionType.toLowerCase()] ?? `indicator ${shown(defenderWord(actionType))} in force`}`;
}

function liftedTrail(entry: AuditEntry | undefined): { text: string; comment: string } {
  if (!entry) return { text: '', comment: '' };
  const how = entry.action === 'undo' ? 'Undone' : 'Last unblocked';
  return { text: `${how} by ${shownName(entry.actor.name)} on ${localTime(entry.at)} through this bot.`, comment: entry.comment ?? '' };
}
