/** One key per person and conversation; a channel thread's `;messageid=` suffix is ignored. */
export function pendingKey(conversationId: string | undefined, userId: string | undefined): string {
  return `${(conversationId ?? '').split(';')[0]}|${userId ?? ''}`;
}
