import { z } from 'zod';
import { parseBlockFields } from '../../commands/parse-block-fields';
import { routeAction, type ApprovalPolicy } from '../../domain/approval-policy';
import { classifyHash } from '../../domain/file-hash';
import { resolveOptions } from '../../domain/resolve-options';
import { CardVerb } from '../../cards/card-verbs';
import { blockFormReply, type FormValues } from '../../cards/form-views';
import { explainParseError } from '../../cards/help-views';
import type { ApprovalBoard } from '../approval-board';
import type { BlockActions } from '../block-actions';
import type { BlockFormSettings } from '../chat-commands';
import { signInPromptText } from '../../cards/session-views';
import type { ContainRunner } from '../contain-runner';
import type { PrepareContinuation } from '../continuation';
import type { SessionGate } from '../session-gate';
import { send } from '../send';
import { threadReference } from '../thread-reference';
import { cardAction, type CardActionRegistry } from './card-action';
import type { CardReplies } from './card-replies';
import { field } from './payloads';

/** What the block form's buttons use. */
export interface FormActionsDeps {
  readonly form: BlockFormSettings;
  readonly blocks: BlockActions;
  readonly board: ApprovalBoard;
  readonly replies: CardReplies;
  readonly gate: SessionGate;
  readonly approvalPolicy: ApprovalPolicy;
  readonly now: () => Date;
  /** Runs "also stop & quarantine where it is seen" after the block; absent when the bot cannot. */
  readonly contain?: ContainRunner;
  readonly continuation: PrepareContinuation;
}

const formFields = z.object({ hash: field, comment: field, action: field, expires: field, severity: field, groups: field, contain: field });
/** What a card may pre-fill the form with (a failed block's fields, a hash the bot knows); the form checks it all again on submit. */
const prefill = z.object({ hash: z.string().max(256).optional(), comment: field, action: field, expires: field, severity: field, groups: field });
/** A mistyped hash (hex of the wrong length) is put back in the form to be corrected; anything else is left out. */
const HEX_DRAFT = /^[0-9a-fA-F]{1,128}$/;

/** Opening the block form (from help, or pre-filled from a card that knows the hash) and submitting it. */
export function formActions(deps: FormActionsDeps): Pick<CardActionRegistry, typeof CardVerb.OpenForm | typeof CardVerb.SubmitForm> {
  const form = (values?: FormValues, error?: string) => blockFormReply({ ...deps.form, values, error });
  return {
    [CardVerb.OpenForm]: cardAction(prefill, async ({ context, surface, data }) => {
      const hash = data.hash !== undefined && (classifyHash(data.hash) || HEX_DRAFT.test(data.hash.trim())) ? data.hash.trim() : undefined;
      await send(context, form({ ...data, hash }));
      surface.answerWithMessage('The block form is below.');
    }),
    [CardVerb.SubmitForm]: cardAction(formFields, async ({ context, surface, presser, data: values }) => {
      const parsed = parseBlockFields(values);
      if (!parsed.ok) {
        const { headline, lines } = explainParseError(parsed.error);
        await surface.replaceNow(context, form(values, `${headline}. ${lines[0] ?? ''}`.trim()));
        return;
      }
      const { hash, comment, options } = parsed.command;
      const request = { hash, comment, caller: presser, options: resolveOptions(options, deps.now(), deps.form.defaultExpiryDays) };
      const alsoContain = values.contain === 'true' && !!deps.contain && request.options?.action !== 'Allowed';
      if (routeAction(deps.approvalPolicy, 'block').kind === 'approval') {
        const ask = alsoContain ? { action: 'block+contain' as const, options: request.options } : { action: 'block' as const, options: request.options };
        await surface.replaceNow(context, await deps.board.request(context, { hash, comment, ask }));
        return;
      }
      const session = await deps.gate.now(context, signInPromptText('block'));
      if (!session) {
        surface.answerWithMessage('Sign in first (see the card below), then press the button again.');
        await surface.replaceNow(context, form(values, 'Sign in first (see the card below), then press Send to Defender again.'));
        return;
      }
      const { delegation } = session;
      const blocking = deps.blocks.block(request, delegation, [], threadReference(context.activity));
      await deps.replies.inPlace(context, surface, blocking);
      const runner = deps.contain;
      if (alsoContain && runner) {
        const continuation = deps.continuation(context);
        deps.replies.later('contain', async () => {
          if (!(await blocking).blocked) return;
          await runner.run({ hash, comment, caller: session.caller }, delegation, continuation);
        });
      }
    }),
  };
}
