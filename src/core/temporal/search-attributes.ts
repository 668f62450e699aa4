import { Connection } from '@temporalio/client';
import type { ConnectionLike } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { ConnectionSettings } from './connection.js';

/** A keyword search attribute a feature's flows carry, by the name operators filter on. */
export interface KeywordAttribute {
  name: string;
}

/** Registers the given search attributes in the namespace if they are missing (needs operator rights). */
export async function ensureSearchAttributes(
  settings: ConnectionSettings,
  namespace: string,
  keys: readonly KeywordAttribute[],
): Promise<void> {
  const connection = await Connection.connect(settings);
  try {
    await addMissingSearchAttributes(connection, namespace, keys);
  } finally {
    await connection.close();
  }
}

/** The same over a connection the caller already holds (the API's client), under whatever deadline the caller set. */
export async function addMissingSearchAttributes(
  connection: Pick<ConnectionLike, 'operatorService'>,
  namespace: string,
  keys: readonly KeywordAttribute[],
): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = keys.filter((k) => !(k.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((k) => [k.name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
}
