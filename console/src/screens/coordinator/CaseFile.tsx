export function CaseFile() {
  return <h1>CaseFile</h1>;
}
