// A symmetric positive definite banded system A x = y, solved by Cholesky factorisation inside the band.
// Storage: row u keeps A[u][u - d] for d = 0..bandwidth at band[u * (bandwidth + 1) + d] (the lower band;
// entries beyond the band are zero by construction). Memory n * (bandwidth + 1) doubles, time
// O(n * bandwidth^2): the global solve (global-solve.ts) orders unknowns by slice, and a pair of slices at
// most K apart couples unknowns at most (K + 1) * q - 1 apart (q unknowns per slice).

export class BandedSystem {
  readonly band: Float64Array;
  readonly rhs: Float64Array;

  constructor(
    readonly n: number,
    readonly bandwidth: number,
  ) {
    this.band = new Float64Array(n * (bandwidth + 1));
    this.rhs = new Float64Array(n);
  }

  /** A[u][v] += value for u >= v (the symmetric entry is implied). */
  add(u: number, v: number, value: number): void {
    const d = u - v;
    if (d < 0 || d > this.bandwidth) throw new RangeError(`BandedSystem: (${u}, ${v}) is outside the band ${this.bandwidth}`);
    this.band[u * (this.bandwidth + 1) + d] += value;
  }

  /**
   * Factorises in place and returns x. Throws a RangeError naming the unknown when the matrix is not
   * positive definite (an unknown no equation constrains).
   */
  solve(): Float64Array {
    const { n, bandwidth: b, band } = this;
    const w = b + 1;
    for (let i = 0; i < n; i++) {
      const rowI = i * w;
      for (let j = Math.max(0, i - b); j <= i; j++) {
        const rowJ = j * w;
        let s = band[rowI + (i - j)];
        for (let k = Math.max(0, i - b); k < j; k++) s -= band[rowI + (i - k)] * band[rowJ + (j - k)];
        if (i === j) {
          if (!(s > 0)) throw new RangeError(`BandedSystem: not positive definite at unknown ${i} (pivot ${s})`);
          band[rowI] = Math.sqrt(s);
        } else {
          band[rowI + (i - j)] = s / band[rowJ];
        }
      }
    }
    const x = Float64Array.from(this.rhs);
    for (let i = 0; i < n; i++) {
      let s = x[i];
      for (let k = Math.max(0, i - b); k < i; k++) s -= band[i * w + (i - k)] * x[k];
      x[i] = s / band[i * w];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i];
      for (let k = i + 1; k <= Math.min(n - 1, i + b); k++) s -= band[k * w + (k - i)] * x[k];
      x[i] = s / band[i * w];
    }
    return x;
  }
}
