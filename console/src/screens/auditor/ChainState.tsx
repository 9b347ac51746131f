export function ChainState() {
  return <h1>ChainState</h1>;
}
