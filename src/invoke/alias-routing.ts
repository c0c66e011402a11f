// Weighted alias routing (RoutingConfig.AdditionalVersionWeights): a random draw in [0, 1) picks one of
// the candidate versions in proportion to its weight; the version that ran is reported in
// X-Amz-Executed-Version.

export interface WeightedCandidate {
  readonly weight: number;
}

/** Index of the candidate `draw` (in [0, 1)) falls on; the last one absorbs rounding. */
export function pickCandidate(candidates: readonly WeightedCandidate[], draw: number): number {
  let acc = 0;
  for (let i = 0; i < candidates.length - 1; i++) {
    acc += candidates[i]!.weight;
    if (draw < acc) return i;
  }
  return candidates.length - 1;
}
