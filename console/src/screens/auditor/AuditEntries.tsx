export function AuditEntries() {
  return <h1>AuditEntries</h1>;
}
