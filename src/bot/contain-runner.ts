import { TurnContext } from 'botbuilder';
import { refusalFrom, refuseUnlessHolds } from '../domain/access';
import type { Caller } from '../domain/caller';
import type { DeviceSighting } from '../domain/containment-ports';
import { createJob } from '../domain/contain-jobs';
import { discoverDevices, newJob, planFor, type ContainDeps } from '../domain/containment';
import type { FileHash } from '../domain/file-hash';
import type { Delegation, Logger, Store } from '../domain/ports';
import { BLOCKING_ROLES } from '../domain/roles';
import { StoreKey } from '../domain/store-keys';
import { containDevicesReply, containProgressReply } from '../cards/contain-views';
import { refusalReply } from '../cards/refusal-views';
import type { Reply } from '../cards/render';
import { signInAgainText } from '../cards/session-views';
import { replaceMessage } from './card-surface';
import type { ContainCardRef, ContainTracker } from './contain-tracker';
import type { Continuation } from './continuation';
import { send } from './send';

/** Devices found above the confirmation threshold, waiting for the analyst's press; the card carries only its id. */
export interface ContainDraft {
  readonly hash: FileHash;
  readonly sha1: string;
  readonly comment: string;
  readonly caller: Caller;
  readonly devices: readonly DeviceSighting[];
}

/** A "Stop & quarantine" / "Contain now" button's record: the file and the reason, for whoever presses it. */
export interface ContainOffer {
  readonly hash: FileHash;
  readonly comment: string;
  readonly tenantId?: string;
}

/** Offers stay answerable this long (the follow-up comes hours after the block). */
const OFFER_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Stores an offer and returns its id for the card's button. */
export async function storeOffer(store: Store, offer: ContainOffer, id: string): Promise<string> {
  await store.put(StoreKey.containOffer(id), offer, { ifNoneMatch: '*', ttlMs: OFFER_TTL_MS });
  return id;
}

/** What containment from chat uses. */
export interface ContainRunnerDeps {
  readonly contain: ContainDeps;
  readonly tracker: ContainTracker;
  readonly logger: Logger;
  readonly newId: () => string;
  /** Confirmations are answerable this long. */
  readonly decisionTtlMs: number;
}

/** The start of a containment: what the analyst is shown, and whether they must sign in again. */
export interface ContainStart {
  readonly signInAgain?: string;
  /** The job started, if one did. */
  readonly jobId?: string;
}

/**
 * Containment from chat: finds the devices as the analyst, shows them before anything is done,
 * asks above the confirmation threshold, and otherwise starts one tracked job whose progress card
 * replaces (or follows) the card the analyst pressed.
 */
export class ContainRunner {
  constructor(private readonly deps: ContainRunnerDeps) {}

  /** `contain ‹hash› ‹comment›` as `caller`, answering through `continuation` (`cardActivityId`: the card to replace). */
  async run(request: { hash: FileHash; comment: string; caller: Caller }, delegation: Delegation, continuation: Continuation, cardActivityId?: string): Promise<ContainStart> {
    const { contain } = this.deps;
    const { hash, comment, caller } = request;
    const found = await discoverDevices(contain, hash, caller, delegation);
    const say = (reply: Reply) => continuation((context) => replaceMessage(context, cardActivityId, reply));
    if (found.kind === 'unknownFile') {
      await say(containDevicesReply({ hash, comment, plan: { kind: 'unknownFile' }, devices: [] }));
      return {};
    }
    if (found.kind !== 'devices') {
      await say(refusalReply(found, 'contain', caller, hash));
      const renew = found.kind === 'tokenFailed' && found.error.reason !== 'unavailable' ? found.error.reason : undefined;
      return renew ? { signInAgain: signInAgainText(renew) } : {};
    }
    const plan = planFor(found.devices.length, contain.settings.confirmAbove);
    const draft: ContainDraft = { hash, sha1: found.sha1, comment, caller, devices: found.devices };
    switch (plan.kind) {
      case 'nothing':
      case 'tooMany':
        await say(containDevicesReply({ hash, comment, plan, devices: found.devices }));
        return {};
      case 'confirm': {
        const id = this.deps.newId();
        await contain.store.put(StoreKey.containDraft(id), draft, { ifNoneMatch: '*', ttlMs: this.deps.decisionTtlMs });
        const expiresAt = new Date(contain.now().getTime() + this.deps.decisionTtlMs).toISOString();
        await say(containDevicesReply({ hash, comment, plan, devices: found.devices, draftId: id, expiresAt }));
        return {};
      }
      case 'go':
        return { jobId: await this.begin(draft, continuation, cardActivityId) };
    }
  }

  /** The analyst confirmed a draft: their role is checked again, now, before anything is sent. */
  async confirm(draft: ContainDraft, delegation: Delegation, continuation: Continuation, cardActivityId?: string): Promise<void> {
    const refused = await refuseUnlessHolds(this.deps.contain.roles, draft.caller, delegation, BLOCKING_ROLES).catch(refusalFrom);
    if (refused) {
      await continuation((context) => replaceMessage(context, cardActivityId, refusalReply(refused, 'contain', draft.caller, draft.hash)));
      return;
    }
    await this.begin(draft, continuation, cardActivityId);
  }

  /**
   * Posts the progress card (every device listed, nothing sent yet), stores the job with where
   * that card is, and hands it to the tracker, which sends and polls.
   */
  async begin(draft: ContainDraft, continuation: Continuation, cardActivityId?: string): Promise<string> {
    const { contain } = this.deps;
    const job = newJob({ id: this.deps.newId(), ...draft }, contain.now(), contain.settings);
    let card: ContainCardRef | undefined;
    await continuation(async (context) => {
      const reply = containProgressReply(job);
      let activityId = cardActivityId;
      if (activityId) await replaceMessage(context, activityId, reply);
      else activityId = await send(context, reply);
      card = { reference: referenceFor(context, draft.caller), activityId };
    });
    await createJob(contain.store, { ...job, card }, contain.now());
    this.deps.logger.info({ jobId: job.id, devices: job.devices.length, hash: job.hash.value }, 'Containment started');
    this.deps.tracker.launch(job.id);
    return job.id;
  }
}

/** The card's conversation as the caller's own (the token service is asked for their token), with the tenant kept. */
function referenceFor(context: TurnContext, caller: Caller): ContainCardRef['reference'] {
  const reference = TurnContext.getConversationReference(context.activity);
  return { ...reference, activityId: undefined, conversation: { ...reference.conversation!, tenantId: reference.conversation?.tenantId ?? caller.tenantId } };
}
