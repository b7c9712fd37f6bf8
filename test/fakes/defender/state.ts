import { MachinesState } from './machines-state';
import type { BlockAnswer, FileAction, Indicator, SeedFile } from './types';

/** What the handlers need to know about the server they run in. */
export interface DefenderSettings {
  now: () => number;
  unblockFileStatus: 'Blocked' | 'Unblocked';
  /** Base URL of the legacy files API (for `@odata.context`). */
  filesUrl: () => string;
  /** Base URL of the indicators API (for `@odata.context`). */
  indicatorsUrl: () => string;
}

/** The in-memory tenant both APIs read and write: blocks, indicators and seeded files. */
export class DefenderState {
  /** FileActions of the SHA-1s the legacy files API currently has blocked, by lower-case SHA-1. */
  readonly blocked = new Map<string, FileAction>();
  /** Every FileAction taken through the legacy files API, oldest first. */
  readonly actionHistory: FileAction[] = [];
  /** Indicators by `<indicatorType>|<lower-case value>` (one per value and type). */
  readonly indicators = new Map<string, Indicator>();
  readonly files: SeedFile[] = [];
  /** Devices, sightings and machine actions. */
  readonly machines = new MachinesState();
  blockAnswer: BlockAnswer = '201-fileaction';
  private nextIndicatorId = 1001;

  constructor(readonly settings: DefenderSettings) {}

  /** Milliseconds since the epoch, by the fake's clock. */
  now(): number {
    return this.settings.now();
  }

  /** A fresh indicator id. */
  newIndicatorId(): string {
    return String(this.nextIndicatorId++);
  }

  /** The seeded file whose SHA-1, SHA-256 or MD5 equals `id` (URL-encoded, any case). */
  findFile(id: string): SeedFile | undefined {
    const key = decodeURIComponent(id).toLowerCase();
    return this.files.find((f) => [f.sha1, f.sha256, f.md5].some((h) => h?.toLowerCase() === key));
  }

  /** Forgets blocks, indicators, files and devices, and restores the default block answer. */
  reset(): void {
    this.blocked.clear();
    this.actionHistory.length = 0;
    this.files.length = 0;
    this.indicators.clear();
    this.machines.reset();
    this.blockAnswer = '201-fileaction';
  }
}
