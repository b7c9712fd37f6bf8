import { z } from 'zod';

/** An id a card carries to find its stored record (the record, not the card, is the truth). */
export const recordId = z.string().min(1).max(200);

/** A form field as Input.Text and Input.ChoiceSet send it. */
export const field = z.string().max(20_000).optional();

/** A hash some cards echo back; checked against the stored record, never used as is. */
export const echoedHash = z.string().max(256).optional();
