import type { AuditEntry } from '../../src/domain/ports';
import { auditToCsv, auditToJson } from '../../src/domain/audit-export';

const HEADER = 'at,tenantId,actorName,actorAadObjectId,action,outcome,hashType,hash,comment,options,api,detail,correlationId,count';

const full: AuditEntry = {
  id: '6f1c0b7e-0000-4000-8000-000000000001',
  at: '2025-03-01T12:00:00.000Z',
  tenantId: 'tenant-a',
  actor: { aadObjectId: 'oid-1', name: 'Ana Analyst', userId: '29:ana' },
  action: 'block',
  outcome: 'done',
  hashType: 'Sha256',
  hash: 'a'.repeat(64),
  comment: 'dropper',
  options: { action: 'BlockAndRemediate', severity: 'High', deviceGroups: ['Servers', 'Laptops'] },
  api: 'indicators',
  detail: 'indicator created',
  correlationId: 'ind-42',
  count: 1,
};

const minimal: AuditEntry = {
  id: '6f1c0b7e-0000-4000-8000-000000000002',
  at: '2025-03-01T12:01:00.000Z',
  actor: { name: 'Bo', userId: '29:bo' },
  action: 'status',
  outcome: 'not-found',
  api: 'files',
};

function cells(csv: string, row: number): string[] {
  return csv.split('\r\n')[row].split(',');
}

describe('auditToCsv', () => {
  it('writes a header and one CRLF-terminated row per entry, empty cells for missing fields', () => {
    const csv = auditToCsv([full, minimal]);
    expect(csv).toBe(
      `${HEADER}\r\n` +
        `2025-03-01T12:00:00.000Z,tenant-a,Ana Analyst,oid-1,block,done,Sha256,${'a'.repeat(64)},dropper,` +
        `"{""action"":""BlockAndRemediate"",""severity"":""High"",""deviceGroups"":[""Servers"",""Laptops""]}",indicators,indicator created,ind-42,1\r\n` +
        '2025-03-01T12:01:00.000Z,,Bo,,status,not-found,,,,,files,,,\r\n',
    );
  });

  it('writes only the header for no entries', () => {
    expect(auditToCsv([])).toBe(`${HEADER}\r\n`);
  });

  it.each([
    ['a, b', '"a, b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['line\r\nbreak', '"line\r\nbreak"'],
    ['plain text', 'plain text'],
    ['', ''],
  ])('quotes %p as %p', (comment, cell) => {
    const row = auditToCsv([{ ...minimal, comment }]).slice(HEADER.length + 2);
    expect(row).toBe(`2025-03-01T12:01:00.000Z,,Bo,,status,not-found,,,${cell},,files,,,\r\n`);
  });

  it.each([
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    ['a=1', 'a=1'],
  ])('neutralises formula %p as %p', (comment, cell) => {
    const row = auditToCsv([{ ...minimal, comment }]).slice(HEADER.length + 2);
    expect(row).toBe(`2025-03-01T12:01:00.000Z,,Bo,,status,not-found,,,${cell},,files,,,\r\n`);
  });

  it('neutralises formulas in every text column, names included', () => {
    const csv = auditToCsv([{ ...minimal, actor: { name: '=cmd|calc', userId: 'u' }, detail: '@x', tenantId: '-t' }]);
    const row = cells(csv, 1);
    expect([row[1], row[2], row[11]]).toEqual(["'-t", "'=cmd|calc", "'@x"]);
  });
});

describe('auditToJson', () => {
  it('round-trips the entries as a pretty JSON array', () => {
    const json = auditToJson([full, minimal]);
    expect(JSON.parse(json)).toEqual([full, minimal]);
    expect(json.startsWith('[\n  {\n    "id": ')).toBe(true);
  });

  it('writes an empty array for no entries', () => {
    expect(auditToJson([])).toBe('[]');
  });
});
