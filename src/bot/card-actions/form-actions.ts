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
import { send } from '../send';
import { cardAction, type CardActionRegistry } from './card-action';
import type { CardReplies } from './card-replies';
import { field } from './payloads';

/** What the block form's buttons use. */
export interface FormActionsDeps {
  readonly form: BlockFormSettings;
  readonly blocks: BlockActions;
  readonly board: ApprovalBoard;
  readonly replies: CardReplies;
  readonly approvalPolicy: ApprovalPolicy;
  readonly now: () => Date;
}

const formFields = z.object({ hash: field, comment: field, action: field, expires: field, severity: field, groups: field });
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
      if (routeAction(deps.approvalPolicy, 'block').kind === 'approval') {
        await surface.replaceNow(context, await deps.board.request(context, { hash, comment, ask: { action: 'block', options: request.options } }));
        return;
      }
      const delegation = await deps.replies.delegation(context, surface, 'block');
      if (!delegation) {
        await surface.replaceNow(context, form(values, 'Sign in first (see the card below), then press Send to Defender again.'));
        return;
      }
      await deps.replies.inPlace(context, surface, deps.blocks.block(request, delegation));
    }),
  };
}
