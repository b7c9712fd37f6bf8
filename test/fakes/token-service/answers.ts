/** What the token service answers: a status and, maybe, a JSON body. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The token service's ErrorResponse shape. */
export function serviceError(status: number, code: string, message: string): Answer {
  return { status, body: { error: { code, message } } };
}

/** 400 BadArgument. */
export function badArgument(message: string): Answer {
  return serviceError(400, 'BadArgument', message);
}

/** 400 when a query parameter is missing or names a connection the service does not know. */
export function requireParams(query: Record<string, string>, names: string[], connections: Record<string, unknown> | undefined): Answer | undefined {
  const absent = names.find((n) => !query[n]);
  if (absent) return badArgument(`${absent} is required`);
  const connection = query.connectionName;
  if (connection && connections && !(connection in connections)) return badArgument(`Connection '${connection}' not found`);
  return undefined;
}
