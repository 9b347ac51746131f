export function AuditDashboard() {
  return <h1>AuditDashboard</h1>;
}
