import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { searchAttributeKeys } from '../../workflows/search-attributes.js';
import type { ConnectionSettings } from './connection.js';

/** Registers BorgOS's search attributes in the namespace if they are missing (needs operator rights). */
export async function ensureSearchAttributes(settings: ConnectionSettings, namespace: string): Promise<void> {
  const connection = await Connection.connect(settings);
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = searchAttributeKeys.filter((k) => !(k.name in (existing.customAttributes ?? {})));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
  } finally {
    await connection.close();
  }
}
