import { z } from 'zod';
import type { TokenSource } from '../domain/ports';
import { DefenderError } from '../errors';
import type { DefenderHttp } from './defender-http';

const MAX_PAGES = 20;

const CollectionSchema = z.looseObject({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().nullish(),
});

/** An OData string literal: single quotes, embedded single quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Every item of an OData collection (`{"value": [...]}`), following same-origin `@odata.nextLink`s. */
export async function readCollection(http: DefenderHttp, url: string, token: TokenSource): Promise<unknown[]> {
  const items: unknown[] = [];
  const origin = new URL(url).origin;
  let next: string | undefined = url;
  for (let page = 0; next && page < MAX_PAGES; page++) {
    const answer = await http.send({ kind: 'query', method: 'GET', url: next }, token);
    const parsed = CollectionSchema.safeParse(answer.body);
    if (!parsed.success) {
      throw new DefenderError('unexpected', 'Defender answered with a list the bot could not read.', {}, { cause: parsed.error });
    }
    items.push(...parsed.data.value);
    const link = parsed.data['@odata.nextLink'];
    const resolved = link ? new URL(link, url) : undefined;
    next = resolved?.origin === origin ? resolved.toString() : undefined;
  }
  return items;
}
