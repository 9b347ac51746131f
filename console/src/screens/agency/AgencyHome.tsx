export function AgencyHome() {
  return <h1>AgencyHome</h1>;
}
