import { TurnContext, type ConversationReference, type MessageActionsPayload, type MessagingExtensionAction, type MessagingExtensionActionResponse } from 'botbuilder';
import { z } from 'zod';
import { MAX_MESSAGE_HTML_LENGTH } from '../commands/limits';
import { normalizeMessageText } from '../commands/normalize-text';
import { classifyHash, type FileHash } from '../domain/file-hash';
import { TOGGLE_PREFIX } from '../cards/message-action-views';

/* The message action's side of the Teams invoke: its id, reading the message it was used on and the dialog's inputs, and the `task` answer. */

/** The manifest's id of the "Block files in this message" action command. */
export const MESSAGE_ACTION_ID = 'blockFromMessage';

/** Most hashes one dialog lists: each is a toggle, and 50 SHA-256 toggles with the options keep the card near half of the 40 KB limit. */
export const MAX_DIALOG_HASHES = 50;

/** What the dialog sends back: its inputs (a toggle per hash, `h_<hash>`), checked here once. */
export const submitted = z
  .object({
    comment: z.string().max(20_000).optional(),
    action: z.string().max(100).optional(),
    expires: z.string().max(100).optional(),
    severity: z.string().max(100).optional(),
    groups: z.string().max(20_000).optional(),
    contain: z.union([z.enum(['true', 'false']), z.boolean()]).optional(),
  })
  .catchall(z.unknown());

/** A `task` message: what the dialog (or Teams' small notice) says. */
export function message(text: string): MessagingExtensionActionResponse {
  return { task: { type: 'message', value: text } };
}

/** The magic code Teams may send back in `state` after a sign-in (digits only; anything else is ignored). */
export function magicCodeOf(action: MessagingExtensionAction): string | undefined {
  const state = (action as { state?: unknown }).state;
  return typeof state === 'string' && /^\d{4,10}$/.test(state.trim()) ? state.trim() : undefined;
}

/** The message's text as plain text: its HTML (at most MAX_MESSAGE_HTML_LENGTH of it, never a hash cut in two) normalized like chat text. */
export function messageText(payload: MessageActionsPayload | undefined): string {
  const raw = typeof payload?.body?.content === 'string' ? payload.body.content : '';
  return normalizeMessageText(capped(raw, MAX_MESSAGE_HTML_LENGTH).replace(BLOCK_TAG, '\n<').replace(EMBED_TAG, ' <'));
}

/**
 * What shows as something between the text around it (an image, an emoji, a rule, an attached card):
 * a space goes before its tag, so that two hashes on either side are never read as one longer hash
 * the reader does not see (two MD5s as a SHA-256). Linear, as BLOCK_TAG.
 */
const EMBED_TAG = /<(?=(?:img|emoji|hr|attachment|video|audio|iframe|object|embed)\b)/gi;

/**
 * Where a block starts or ends in HTML that posted alerts use and chat text does not (tables, code
 * blocks, headings, lists, paragraphs): a line break goes before its tag, so that a hash in one cell
 * is not glued to the next cell's text. The look-ahead reads only the tag name: linear.
 */
const BLOCK_TAG = /<(?=\/?(?:p|div|li|pre|code|codeblock|td|th|tr|thead|tbody|table|h[1-6]|blockquote|ul|ol|section|article)\b)/gi;

/** `text` cut at `max`, also dropping the letters and digits the cut ran into (the start of a hash must not pass for a shorter one). */
function capped(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  while (end > 0 && /[0-9A-Za-z]/.test(text[end - 1])) end--;
  return text.slice(0, end);
}

export function authorOf(payload: MessageActionsPayload | undefined): string {
  return payload?.from?.user?.displayName?.trim() || payload?.from?.application?.displayName?.trim() || 'someone';
}

/** The hashes whose toggles are on, each once, in the dialog's order; anything that is not a hash is ignored. */
export function pickedHashes(data: Record<string, unknown>): FileHash[] {
  const seen = new Set<string>();
  return Object.entries(data).flatMap(([key, value]) => {
    if (!key.startsWith(TOGGLE_PREFIX) || (value !== 'true' && value !== true)) return [];
    const hash = classifyHash(key.slice(TOGGLE_PREFIX.length));
    if (!hash || seen.has(hash.value)) return [];
    seen.add(hash.value);
    return [hash];
  });
}

/**
 * Where the outcome is posted: in a channel, the thread of the message (`<channel>;messageid=<root>`,
 * the root being the message itself or the post it replies to); in a chat, the chat, as a reply to the message.
 */
export function threadOf(activity: TurnContext['activity'], payload: MessageActionsPayload | undefined): Partial<ConversationReference> {
  const reference = TurnContext.getConversationReference(activity);
  const conversation = activity.conversation;
  if (conversation?.conversationType === 'channel') {
    const root = payload?.replyToId || payload?.id;
    if (!root) return reference;
    const channel = conversation.id.split(';')[0];
    return { ...reference, conversation: { ...reference.conversation!, id: `${channel};messageid=${root}` }, activityId: root };
  }
  return payload?.id ? { ...reference, activityId: payload.id } : reference;
}
