export function Cases() {
  return <h1>Cases</h1>;
}
