import type { TeamsUser } from '../fixtures/activities';
import { upnOf } from './rig';

/** A person as an indicator description names them once their sign-in is known: "Name (upn)". */
export function signedIn(user: TeamsUser): string {
  return `${user.name} (${upnOf(user)})`;
}

/** The description the bot writes on an indicator: the comment, who asked, and for a four-eyes block who approved. */
export function sentFromTeams(comment: string, requestedBy: string, approvedBy?: string): string {
  return `${comment}\n\n-- Sent from Microsoft Teams (Defender Block Bot). Requested by ${requestedBy}.${approvedBy ? ` Approved by ${approvedBy}.` : ''}`;
}
