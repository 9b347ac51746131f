import openapi from '../../../docs/openapi.json';

// Each message type's payload schema is its own small chunk, loaded when the type is chosen.
const files = import.meta.glob<{ default: object }>('../../../docs/schemas/*.schema.json');

export async function messageSchema(type: string): Promise<object | null> {
  const file = files[`../../../docs/schemas/${type}.schema.json`];
  return file ? (await file()).default : null;
}

type Json = Record<string, unknown>;
const components = (openapi as unknown as { components: { schemas: Record<string, Json> } }).components
  .schemas;

/** A request DTO of docs/openapi.json as a self-contained JSON Schema (its `$ref`s inlined). */
export function dtoSchema(name: string, omit: string[] = []): Json {
  const inline = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(inline);
    if (!value || typeof value !== 'object') return value;
    const v = value as Json;
    if (typeof v.$ref === 'string') return inline(components[v.$ref.split('/').pop() ?? '']);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, inline(x)]));
  };
  const schema = inline(components[name]) as Json;
  if (!schema) return { type: 'object' };
  const properties = { ...(schema.properties as Json) };
  for (const key of omit) delete properties[key];
  return {
    ...schema,
    properties,
    required: ((schema.required as string[] | undefined) ?? []).filter((k) => !omit.includes(k)),
  };
}
