export function AgencySubmit() {
  return <h1>AgencySubmit</h1>;
}
