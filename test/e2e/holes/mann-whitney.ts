/**
 * The Mann-Whitney U rank test (two-sided, normal approximation with the tie correction): does
 * one sample tend to be larger than the other? Rank based, so a few long stalls of a loaded
 * machine weigh no more than any other large value.
 */
export function mannWhitneyP(a: readonly number[], b: readonly number[]): number {
  const all = [...a.map((value) => ({ value, first: true })), ...b.map((value) => ({ value, first: false }))].sort((x, y) => x.value - y.value);
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.value === all[i]!.value) j++;
    const rank = (i + 1 + j) / 2; // average rank of the tied run i..j-1 (ranks are 1-based)
    for (let k = i; k < j; k++) if (all[k]!.first) rankSumA += rank;
    const t = j - i;
    tieTerm += t * t * t - t;
    i = j;
  }
  const [n1, n2] = [a.length, b.length];
  const n = n1 + n2;
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = Math.abs(u - (n1 * n2) / 2) / sd;
  return 2 * (1 - normalCdf(z));
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 for erf; error < 1.5e-7). */
function normalCdf(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return 0.5 * (1 + erf);
}
