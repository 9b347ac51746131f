export function NewCase() {
  return <h1>NewCase</h1>;
}
