import { z } from 'zod';
import { classifyHash } from '../../domain/file-hash';
import { CardVerb } from '../../cards/card-verbs';
import type { BlockActions } from '../block-actions';
import { cardAction, type CardActionRegistry } from './card-action';
import type { CardReplies } from './card-replies';
import { echoedHash } from './payloads';

/** What the history card's buttons use. */
export interface HistoryActionsDeps {
  readonly blocks: BlockActions;
  readonly replies: CardReplies;
}

const pageOf = z.object({ page: z.coerce.number().int().min(0).max(1000), hash: echoedHash });

/** "More" and "Newest" on the history card: the trail is read again as the presser (role checked live), one page shown. */
export function historyActions(deps: HistoryActionsDeps): Pick<CardActionRegistry, typeof CardVerb.HistoryMore> {
  return {
    [CardVerb.HistoryMore]: cardAction(pageOf, async ({ context, surface, presser, data }) => {
      const hash = data.hash ? classifyHash(data.hash.trim()) : undefined;
      const delegation = await deps.replies.delegation(context, surface, 'history');
      if (delegation) await deps.replies.inPlace(context, surface, deps.blocks.history(presser, delegation, hash, data.page));
    }),
  };
}
