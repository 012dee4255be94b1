/* NeuroScribble's arithmetic in the network page: the same steps as the Python, for one input.
 *
 * digitFromStrokes is pen.digit_from_strokes, step for step, with pen.py's constants in `pen`;
 * forward is Model.activations: z = Σ a·w + b in float64 over the float32 weights, ReLU, softmax;
 * strongestInto picks the connections the page draws. tests/test_visualize.py holds the page and
 * Python together on 200 real handwritten digits. network_page.js draws what these compute.
 */
"use strict";

const neuroscribbleMath = (function () {
  function floats(base64) {  // network_page.floats_base64's text -> the Float32Array it holds
    // The browser's own decoder where it has one (Chromium 140+, Firefox 133+, Safari 18.2+): the
    // 0.4 MB of weights in about a millisecond instead of a character at a time.
    if (Uint8Array.fromBase64) return new Float32Array(Uint8Array.fromBase64(base64).buffer);
    const text = atob(base64), bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  }

  // ---- strokes -> the network's input: pen.digit_from_strokes, step for step ------------------

  /* Strokes in 28 × 28 pixel units -> Float64Array(784) of ink clip((radius − d)/softness + ½, 0, 1),
   * d the distance from a pixel's centre to the nearest segment; a one-point stroke is a dot. Only
   * pixels within reach of a segment can get ink, so each segment visits just those. */
  function rasterise(strokes, pen) {
    const SIDE = pen.side, distance = new Float64Array(SIDE * SIDE).fill(Infinity);
    const reach = pen.radius + pen.softness / 2;
    for (const stroke of strokes) {
      for (let s = 0; s < Math.max(stroke.length - 1, 1); s++) {
        const [x0, y0] = stroke[s], [x1, y1] = stroke[Math.min(s + 1, stroke.length - 1)];
        const dx = x1 - x0, dy = y1 - y0, lengthSquared = Math.max(dx * dx + dy * dy, 1e-12);
        const left = Math.max(Math.ceil(Math.min(x0, x1) - reach), 0);
        const right = Math.min(Math.floor(Math.max(x0, x1) + reach), SIDE - 1);
        const top = Math.max(Math.ceil(Math.min(y0, y1) - reach), 0);
        const bottom = Math.min(Math.floor(Math.max(y0, y1) + reach), SIDE - 1);
        for (let y = top; y <= bottom; y++) {
          for (let x = left; x <= right; x++) {
            const along = Math.min(Math.max(((x - x0) * dx + (y - y0) * dy) / lengthSquared, 0), 1);
            const ex = x - (x0 + along * dx), ey = y - (y0 + along * dy);
            const d = Math.sqrt(ex * ex + ey * ey);
            if (d < distance[y * SIDE + x]) distance[y * SIDE + x] = d;
          }
        }
      }
    }
    return distance.map(d => Math.min(Math.max((pen.radius - d) / pen.softness + 0.5, 0), 1));
  }

  /* Pad strokes [[[x, y], ...], ...] -> Float32Array(784), or null when the drawing is too small to
   * read: scale the bounding box's longer side to skeletonBox, draw, then draw again moved so the
   * ink's centre of mass lands on the centre (an exact sub-pixel move). */
  function digitFromStrokes(strokes, pen) {
    strokes = strokes.filter(stroke => stroke.length);
    if (!strokes.length) return null;
    let lowX = Infinity, lowY = Infinity, highX = -Infinity, highY = -Infinity;
    for (const stroke of strokes) {
      for (const [x, y] of stroke) {
        lowX = Math.min(lowX, x); highX = Math.max(highX, x); lowY = Math.min(lowY, y); highY = Math.max(highY, y);
      }
    }
    const extent = Math.max(highX - lowX, highY - lowY);
    if (extent < pen.minExtent) return null;
    const scale = pen.skeletonBox / extent, middleX = pen.center[1], middleY = pen.center[0];
    const placed = strokes.map(stroke => stroke.map(([x, y]) =>
      [(x - (lowX + highX) / 2) * scale + middleX, (y - (lowY + highY) / 2) * scale + middleY]));
    const ink = rasterise(placed, pen), SIDE = pen.side;
    let total = 0, rowSum = 0, columnSum = 0;
    ink.forEach((value, i) => { total += value; rowSum += Math.floor(i / SIDE) * value; columnSum += (i % SIDE) * value; });
    const offsetX = middleX - columnSum / total, offsetY = middleY - rowSum / total;
    return Float32Array.from(rasterise(placed.map(stroke => stroke.map(([x, y]) => [x + offsetX, y + offsetY])), pen));
  }

  // ---- the network, forward ----------------------------------------------------------------

  /* layers [{W, b, nIn, nOut}], input (784) -> {values: [input, hidden 1, ..., probabilities],
   * sums: [null, z per layer]}. */
  function forward(layers, input) {
    const values = [input], sums = [null];
    let a = input;
    layers.forEach((layer, l) => {
      const z = Float64Array.from(layer.b);
      for (let i = 0; i < layer.nIn; i++) {
        if (a[i] === 0) continue;  // a silent input adds nothing: most pixels are blank
        for (let j = 0, row = i * layer.nOut; j < layer.nOut; j++) z[j] += a[i] * layer.W[row + j];
      }
      sums.push(z);
      a = l === layers.length - 1 ? softmax(z) : z.map(value => Math.max(value, 0));
      values.push(a);
    });
    return {values, sums};
  }

  function softmax(z) {  // p_i = exp(z_i − max z) / Σ_j exp(z_j − max z)
    const top = Math.max(...z), e = z.map(value => Math.exp(value - top));
    const total = e.reduce((sum, value) => sum + value, 0);
    return e.map(value => value / total);
  }

  /* Into each neuron of layer l + 1, its `count` incoming connections with the largest |a·w| (with no
   * input, the largest |w|), connections with a·w = 0 left out; ties keep the lower index.
   * -> {sources: Int32Array(nOut · count), strengths: Float64Array, the a·w or w; source −1 = none}. */
  function strongestInto(layer, a, count) {
    const {W, nIn, nOut} = layer;
    const sources = new Int32Array(nOut * count).fill(-1), strengths = new Float64Array(nOut * count);
    const kept = new Float64Array(nOut * count);  // |strength|, largest first
    for (let i = 0; i < nIn; i++) {
      const ai = a ? a[i] : 1;
      if (ai === 0) continue;
      for (let j = 0; j < nOut; j++) {
        const strength = ai * W[i * nOut + j], size = Math.abs(strength), base = j * count;
        if (size === 0 || (sources[base + count - 1] >= 0 && size <= kept[base + count - 1])) continue;
        let r = count - 1;
        while (r > 0 && (sources[base + r - 1] < 0 || size > kept[base + r - 1])) {
          sources[base + r] = sources[base + r - 1]; kept[base + r] = kept[base + r - 1];
          strengths[base + r] = strengths[base + r - 1]; r--;
        }
        sources[base + r] = i; kept[base + r] = size; strengths[base + r] = strength;
      }
    }
    return {sources, strengths};
  }

  return {floats, digitFromStrokes, forward, strongestInto};
})();
