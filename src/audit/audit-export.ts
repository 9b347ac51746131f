import { CANONICAL_FIELDS } from './audit-chain';
import type { AuditEntryRow } from './audit.repository';

/** Export columns, in order; the same names as the JSON fields: every hashed field, then its place in the chain. */
export const EXPORT_COLUMNS: ReadonlyArray<keyof AuditEntryRow> = [...CANONICAL_FIELDS, 'chainPos', 'hash'];

export const CSV_HEADER = `${EXPORT_COLUMNS.join(',')}\r\n`;

/**
 * RFC 4180 with CRLF. A cell that a spreadsheet would run as a formula (actor names come from a request
 * header) gets a leading apostrophe: the CSV is for reading, JSON Lines is the faithful export.
 */
export function csvLine(entry: AuditEntryRow): string {
  return `${EXPORT_COLUMNS.map((column) => csvCell(entry[column])).join(',')}\r\n`;
}

export function jsonLine(entry: AuditEntryRow): string {
  return `${JSON.stringify(entry)}\n`;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
