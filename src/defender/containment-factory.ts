import type { ContainmentApi } from '../domain/containment-ports';
import type { Logger } from '../domain/ports';
import { ContainmentBudget, unbudgetedLimiter } from './containment-budget';
import { HttpContainmentApi } from './containment-http';
import { DefenderHttp } from './defender-http';
import { SimulatedContainment, type SimulatedContainmentTimings } from './simulated-containment';
import type { SimulatedFileCatalog } from './simulated-file-details';

/** What building a ContainmentApi needs; `api` is the DEFENDER_API setting. */
export interface ContainmentSettings {
  readonly api: 'files' | 'indicators' | 'simulator';
  /** The Defender for Endpoint API base (DEFENDER_INDICATORS_URL): machine actions live next to indicators. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly maxRetryAfterSeconds: number;
  readonly logger: Logger;
  /** Local mode: the file catalog the simulated Defender shows, so both agree on each file's SHA-1. */
  readonly simulatedFiles?: SimulatedFileCatalog;
  readonly simulatedTimings?: SimulatedContainmentTimings;
  readonly now?: () => Date;
}

/**
 * The real (Defender for Endpoint API) or simulated ContainmentApi. Undefined for the legacy files API:
 * its tokens are for Microsoft Graph, and machine actions need the Defender for Endpoint API and its token.
 */
export function createContainmentApi(s: ContainmentSettings): ContainmentApi | undefined {
  switch (s.api) {
    case 'files':
      return undefined;
    case 'simulator':
      return new SimulatedContainment(s.now, s.simulatedFiles, s.simulatedTimings);
    case 'indicators': {
      const http = new DefenderHttp({
        timeoutMs: s.timeoutMs,
        logger: s.logger,
        retry: { maxAttempts: s.maxAttempts, maxRetryAfterSeconds: s.maxRetryAfterSeconds, baseDelayMs: 500 },
        limiter: unbudgetedLimiter(),
      });
      return new HttpContainmentApi(s.baseUrl, http, new ContainmentBudget());
    }
  }
}
