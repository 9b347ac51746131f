export function Grants() {
  return <h1>Grants</h1>;
}
