export function AgencySubmission() {
  return <h1>AgencySubmission</h1>;
}
