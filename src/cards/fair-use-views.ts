import { noticeReply } from './notice';
import type { Reply } from './render';

/** What was refused by a fair-use limit, in the words of the answer. */
export type FairUseLimit = 'command' | 'press' | 'bulkJobs' | 'exports';

/** "Slow down: nothing was done", with when to try again. */
export function slowDownText(retryAfterSeconds: number): string {
  return `Slow down: nothing was done. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`;
}

/** The answer to a command or card press over the user's fair-use limit: nothing was done. */
export function slowDownReply(limit: FairUseLimit, detail: { readonly retryAfterSeconds?: number; readonly max?: number }): Reply {
  switch (limit) {
    case 'command':
    case 'press':
      return noticeReply('Slow down: nothing was done', [
        `You sent more ${limit === 'command' ? 'commands' : 'card presses'} than this bot takes from one person in a minute.`,
        `Try again in ${detail.retryAfterSeconds ?? 1} second${detail.retryAfterSeconds === 1 ? '' : 's'}.`,
      ]);
    case 'bulkJobs':
      return noticeReply('Slow down: nothing was done', [
        `You already have ${detail.max === 1 ? 'a bulk block' : `${detail.max ?? 1} bulk blocks`} running; one person may run ${detail.max ?? 1} at a time.`,
        'Send this list again once the running one has finished. Nothing was sent to Defender.',
      ]);
    case 'exports':
      return noticeReply('Slow down: nothing was done', [
        `You already have ${detail.max ?? 2} exports being prepared; one person may have ${detail.max ?? 2} at a time.`,
        'Ask again once one of them is ready.',
      ]);
  }
}
