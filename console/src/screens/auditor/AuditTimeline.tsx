export function AuditTimeline() {
  return <h1>AuditTimeline</h1>;
}
