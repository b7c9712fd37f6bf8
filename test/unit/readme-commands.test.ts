import fs from 'node:fs';
import path from 'node:path';
import { COMMAND_CATALOG } from '../../src/commands/catalog';
import { projectRoot } from '../../src/project-root';

const README = fs.readFileSync(path.join(projectRoot(), 'README.md'), 'utf8');
const NAMES = COMMAND_CATALOG.map((spec) => spec.name);

/** First cells of the body rows of the first table under `## Commands`. */
function firstCells(markdown: string): string[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Commands\n')) ?? '';
  const lines = section.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
  const rows = lines.slice(start, end < 0 ? undefined : end).slice(1);
  return rows.filter((row) => !/^\|[\s:|-]+\|$/.test(row)).map((row) => row.split(/(?<!\\)\|/)[1].trim());
}

/** The code spans a cell starts with, joined by " / " or ", ": `sign in` / `sign out` gives both. */
function leadingSpans(cell: string): string[] {
  const spans: string[] = [];
  const span = /^\s*(?:[/,]\s*)?`([^`]+)`/;
  let rest = cell;
  for (let match = span.exec(rest); match && (spans.length === 0 || /^\s*[/,]/.test(rest)); match = span.exec(rest)) {
    spans.push(match[1].trim().toLowerCase());
    rest = rest.slice(match[0].length);
  }
  return spans;
}

/** The catalog name a span starts with, word for word (the longest if several do). */
function commandNamed(span: string, names: readonly string[]): string | undefined {
  return names.filter((name) => span === name || span.startsWith(`${name} `)).sort((a, b) => b.length - a.length)[0];
}

/** Catalog commands no row names, spans that name no catalog command, and rows that start with no span. */
function drift(markdown: string, names: readonly string[]): { missing: string[]; extra: string[]; unnamed: string[] } {
  const cells = firstCells(markdown);
  const spans = cells.flatMap(leadingSpans);
  const named = new Set(spans.map((span) => commandNamed(span, names)));
  return {
    missing: names.filter((name) => !named.has(name)),
    extra: spans.filter((span) => !commandNamed(span, names)),
    unnamed: cells.filter((cell) => leadingSpans(cell).length === 0),
  };
}

describe('README command table', () => {
  it('has a table under ## Commands', () => {
    expect(firstCells(README).length).toBeGreaterThan(0);
  });

  it('names exactly the commands of the catalog', () => {
    expect(drift(README, NAMES)).toEqual({ missing: [], extra: [], unnamed: [] });
  });

  describe('the rule', () => {
    const table = (...firstColumn: string[]) =>
      ['# Bot', '', '## Commands', '', '| command | what it does |', '|---|---|', ...firstColumn.map((cell) => `| ${cell} | does it |`), '', '## Next', '| `nope` | x |'].join(
        '\n',
      );

    it('reads every span a cell starts with, and only those', () => {
      expect(firstCells(table('`history [<hash>]`, `history export [csv\\|json]`', '`block <comment>` then lines (or `hash,comment` lines)'))).toHaveLength(2);
      expect(leadingSpans('`history [<hash>]`, `history export [csv\\|json]`')).toEqual(['history [<hash>]', 'history export [csv\\|json]']);
      expect(leadingSpans('`sign in` / `sign out`')).toEqual(['sign in', 'sign out']);
      expect(leadingSpans('`block <comment>` then one hash per line (or `hash,comment` lines)')).toEqual(['block <comment>']);
      expect(leadingSpans('`block` (alone)')).toEqual(['block']);
    });

    it('matches names word for word, the longest first', () => {
      expect(commandNamed('request block <hash> <comment>', NAMES)).toBe('request block');
      expect(commandNamed('unblock <hash> <comment>', NAMES)).toBe('unblock');
      expect(commandNamed('blocklist', NAMES)).toBeUndefined();
    });

    it('reports a catalog command the table lacks', () => {
      expect(drift(table('`block <hash>`', '`sign in` / `sign out`'), ['block', 'help', 'sign in', 'sign out'])).toEqual({ missing: ['help'], extra: [], unnamed: [] });
    });

    it('reports a command the catalog lacks, and a row that names none', () => {
      expect(drift(table('`block <hash>`', '`quarantine <hash>`', 'Quarantine a file'), ['block'])).toEqual({
        missing: [],
        extra: ['quarantine <hash>'],
        unnamed: ['Quarantine a file'],
      });
    });
  });
});
