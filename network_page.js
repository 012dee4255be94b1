/* NeuroScribble's network page, live: draw on the pad and every neuron answers.
 *
 * The weights come from #neuroscribble-data (written by network_page.py). For each drawing the
 * script, with network_math.js, (1) turns the strokes into the 28 × 28 input exactly as
 * pen.digit_from_strokes does, (2) runs the network forward, z = Σ a·w + b, a = ReLU(z),
 * p = softmax(z) at the end, and (3) picks the connections to draw: into each neuron its K largest
 * |a·w|. This script paints the 986 neurons and the chosen connections itself, from a few canvas
 * paths built once per drawing, so a re-light is one repaint, not an update of hundreds of
 * vis-network objects (and the neurons need no vis-network nodes: a click finds its neuron here).
 * vis-network pans and zooms, but only from just after the first frame: that frame is painted on a
 * canvas of this script's own, with the view vis-network will show; then vis-network's code (kept
 * in the page as text, not run) is run and takes over, painting through the same code in its
 * beforeDrawing (connections, under the neurons) and afterDrawing (neurons, labels) hooks.
 */
"use strict";

var network;  // the vis.Network once it has taken over (after the first frame), global for tests and the benchmark

(function () {
  const data = JSON.parse(document.getElementById("neuroscribble-data").textContent);
  const pen = data.pen, colours = data.colours;
  const {floats, digitFromStrokes, forward, strongestInto} = neuroscribbleMath;
  const SIDE = pen.side, K = data.edgesPerNeuron;
  const sizes = data.layerSizes, nLayers = sizes.length;
  const firstId = sizes.map((_, layer) => sizes.slice(0, layer).reduce((sum, size) => sum + size, 0));
  const PAD_PEN_WIDTH = pen.padSize / 24;  // how thick strokes look on the pad (the network sees its own pen)
  const SELECTED_K = 16;  // connections shown into and out of a clicked neuron
  const EDGE_STEPS = 8;  // edge widths are drawn in this many steps: one canvas path per step and sign

  const layers = data.weights.map((weights, l) => ({
    W: floats(weights), b: floats(data.biases[l]), nIn: sizes[l], nOut: sizes[l + 1]}));  // W[i · nOut + j]

  // ---- the state: what is drawn, what the network makes of it --------------------------------

  const state = {strokes: [], image: null, imageName: null, result: null, edges: null, selected: null};

  function relight() {
    const input = state.image || digitFromStrokes(state.strokes, pen);
    state.result = input ? forward(layers, input) : null;
    const a = state.result && state.result.values;
    state.edges = layers.map((layer, l) => strongestInto(layer, a && a[l], K));
    showAnswer();
    if (state.selected !== null) showNeuron(state.selected);
    buildPictures();
    repaint();
  }

  let relightPending = false;
  function relightSoon() {  // at most one re-light per animation frame, however fast the pointer moves
    if (relightPending) return;
    relightPending = true;
    requestAnimationFrame(() => { relightPending = false; relight(); });
  }

  // ---- the graph: this script paints, vis-network pans and zooms ------------------------------------

  const graphBox = document.getElementById("network");
  const X = Float64Array.from(data.positions.flatMap(layer => layer.x));  // X[id], Y[id]: a neuron's place
  const Y = Float64Array.from(data.positions.flatMap(layer => layer.y));
  const layerBoxes = data.positions.map(({x, y}) => ({left: Math.min(...x), right: Math.max(...x),
                                                       top: Math.min(...y), bottom: Math.max(...y)}));

  /* Run `callback` once the browser has painted its next frame: an animation-frame callback runs just
   * before the frame is painted, a task posted from it just after. Callbacks run in the order asked. */
  function afterNextPaint(callback) { requestAnimationFrame(() => setTimeout(callback)); }

  function layerOf(id) {
    let layer = nLayers - 1;
    while (firstId[layer] > id) layer--;
    return layer;
  }

  function withAlpha(rgb, alpha) { return rgb.replace("rgb(", "rgba(").replace(")", `, ${alpha})`); }

  /* A picture is a short list of canvas paths in graph coordinates, built once per re-light; every
   * frame (a re-light, a zoom, a pan) only strokes and fills them. */
  function paintPicture(ctx, picture) {
    for (const {path, colour, width} of picture) {
      if (width) { ctx.lineWidth = width; ctx.strokeStyle = colour; ctx.stroke(path); }
      else { ctx.fillStyle = colour; ctx.fill(path); }
    }
  }

  /* Lines [source id, target id, strength] -> a picture: colour by sign, width and opacity growing
   * with |strength| ÷ the strongest, in EDGE_STEPS steps (at most 2 · EDGE_STEPS paths). */
  function edgePicture(lines) {
    const [thinnest, thickest] = colours.edgeWidth;
    const strongest = Math.max(1e-12, ...lines.map(line => Math.abs(line[2])));
    const paths = new Map();  // sign and step -> one path
    for (const [source, target, strength] of lines) {
      const step = Math.min(EDGE_STEPS - 1, Math.floor(Math.abs(strength) / strongest * EDGE_STEPS));
      const key = (strength > 0 ? "+" : "-") + step;
      if (!paths.has(key)) paths.set(key, new Path2D());
      paths.get(key).moveTo(X[source], Y[source]);
      paths.get(key).lineTo(X[target], Y[target]);
    }
    return Array.from(paths, ([key, path]) => {
      const step = Number(key.slice(1)) + 1;
      return {path, colour: withAlpha(key[0] === "+" ? colours.positive : colours.negative, 0.3 + 0.6 * step / EDGE_STEPS),
              width: thinnest + (thickest - thinnest) * step / EDGE_STEPS};
    }).sort((one, other) => one.width - other.width);  // the strongest on top
  }

  /* Neuron ids -> a picture of dots, one path per colour: the activation's viridis step, value ÷ the
   * layer's largest (1 for pixels and probabilities); the layer's plain colour when nothing is drawn. */
  function neuronPicture(ids) {
    const values = state.result && state.result.values, steps = colours.activation.length, byColour = new Map();
    const tops = values && values.map((layerValues, layer) =>
      layer === 0 || layer === nLayers - 1 ? 1 : Math.max(...layerValues) || 1);
    for (const id of ids) {
      const layer = layerOf(id), radius = colours.dotSizes[layer];
      const colour = values ? colours.activation[Math.min(steps - 1, Math.max(0,
        Math.round(values[layer][id - firstId[layer]] / tops[layer] * (steps - 1))))] : colours.layers[layer];
      if (!byColour.has(colour)) byColour.set(colour, new Path2D());
      byColour.get(colour).moveTo(X[id] + radius, Y[id]);
      byColour.get(colour).arc(X[id], Y[id], radius, 0, 2 * Math.PI);
    }
    return Array.from(byColour, ([colour, path]) => ({path, colour}));
  }

  function drawnLines(l) {  // the chosen connections into layer l + 1, as [source, target, strength]
    const {sources, strengths} = state.edges[l], lines = [];
    sources.forEach((source, r) => {
      if (source >= 0) lines.push([firstId[l] + source, firstId[l + 1] + Math.floor(r / K), strengths[r]]);
    });
    return lines;
  }

  const allIds = Array.from(X, (_, id) => id);
  const pictures = {edges: [], neurons: [], selection: null};
  function buildPictures() {  // after a re-light or a click
    pictures.edges = layers.flatMap((_, l) => edgePicture(drawnLines(l)));  // widths relative to each layer's strongest
    pictures.neurons = neuronPicture(allIds);
    pictures.selection = state.selected === null ? null : selectionPicture(state.selected);
  }

  /* The graph in two layers, on a context already moved and scaled to the view (graph coordinates):
   * under, the connections (faint while one neuron is chosen); over, the neurons and labels. */
  function paintUnder(ctx) {
    ctx.globalAlpha = state.selected === null ? 1 : 0.15;
    paintPicture(ctx, pictures.edges);
    ctx.globalAlpha = 1;
  }
  function paintOver(ctx) {
    paintPicture(ctx, pictures.neurons);
    paintLabels(ctx);
    if (pictures.selection) paintSelection(ctx, state.selected);
  }

  /* Until vis-network takes over, the graph is painted on this canvas, with the transform vis-network
   * gives the fitted view: device pixels = pixel ratio × (the box's centre + scale × (point − position)). */
  const firstCanvas = graphBox.appendChild(document.createElement("canvas"));
  firstCanvas.style.cssText = "position: absolute; width: 100%; height: 100%";
  function paintFirstCanvas() {
    const ratio = devicePixelRatio, width = graphBox.clientWidth, height = graphBox.clientHeight;
    const {position, scale} = fittedView(), ctx = firstCanvas.getContext("2d");
    firstCanvas.width = Math.round(width * ratio);  // also clears it
    firstCanvas.height = Math.round(height * ratio);
    ctx.setTransform(ratio * scale, 0, 0, ratio * scale,
                     ratio * (width / 2 - position.x * scale), ratio * (height / 2 - position.y * scale));
    paintUnder(ctx);
    paintOver(ctx);
  }
  function repaint() { if (network) network.redraw(); else paintFirstCanvas(); }

  function paintLabels(ctx) {
    ctx.fillStyle = "#d8dee9";
    ctx.textAlign = "center";
    ctx.font = "bold 22px system-ui, sans-serif";
    layerBoxes.forEach((box, layer) => {
      const what = layer === 0 ? `pixels (${SIDE} × ${SIDE})` : layer === nLayers - 1 ? "digits, softmax" : "ReLU units";
      ctx.fillText(`${data.layerNames[layer]}: ${sizes[layer]} ${what}`, (box.left + box.right) / 2, box.top - 30);
    });
    const outputs = nLayers - 1, p = state.result && state.result.values[outputs];
    ctx.font = "bold 15px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    for (let digit = 0; digit < sizes[outputs]; digit++) {  // each output: its digit inside, its probability beside
      const id = firstId[outputs] + digit;
      ctx.textAlign = "center";
      ctx.fillStyle = !p || p[digit] > 0.5 ? colours.background : "#ffffff";
      ctx.fillText(String(digit), X[id], Y[id]);
      if (p) {
        ctx.textAlign = "left";
        ctx.fillStyle = "#d8dee9";
        ctx.fillText(`${(100 * p[digit]).toFixed(1)} %`, X[id] + colours.dotSizes[outputs] + 6, Y[id]);
      }
    }
    ctx.textBaseline = "alphabetic";
  }

  /* A clicked neuron: everything else dims; its strongest connections in and out, and the neurons
   * at their other ends, are painted again on top, with a ring round the neuron itself. */
  function selectionPicture(id) {
    const lines = selectedLines(id), ends = new Set([id]);
    lines.forEach(([source, target]) => { ends.add(source); ends.add(target); });
    return [...edgePicture(lines), ...neuronPicture(ends)];
  }

  function paintSelection(ctx, id) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "rgba(16, 20, 24, 0.7)";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
    paintPicture(ctx, pictures.selection);
    ctx.strokeStyle = "#ebcb8b";
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.arc(X[id], Y[id], colours.dotSizes[layerOf(id)] + 4, 0, 2 * Math.PI);
    ctx.stroke();
  }

  /* The neuron under a point of the graph (graph coordinates), or null; `slack` widens every dot. */
  function neuronAt(point, slack) {
    let best = null, bestDistance = Infinity;
    for (let id = 0; id < X.length; id++) {
      const distance = Math.hypot(X[id] - point.x, Y[id] - point.y);
      if (distance <= colours.dotSizes[layerOf(id)] + slack && distance < bestDistance) { best = id; bestDistance = distance; }
    }
    return best;
  }

  /* The clicked neuron's SELECTED_K largest incoming |a·w| and outgoing |a·w| (|w| with nothing drawn). */
  function selectedLines(id) {
    const layer = layerOf(id), index = id - firstId[layer], a = state.result && state.result.values, lines = [];
    if (layer > 0) {
      const {W, nIn, nOut} = layers[layer - 1];
      const terms = Array.from({length: nIn}, (_, i) => (a ? a[layer - 1][i] : 1) * W[i * nOut + index]);
      largest(terms, SELECTED_K).forEach(i => lines.push([firstId[layer - 1] + i, id, terms[i]]));
    }
    if (layer < nLayers - 1) {
      const {W, nOut} = layers[layer], source = a ? a[layer][index] : 1;
      const terms = Array.from({length: nOut}, (_, j) => source * W[index * nOut + j]);
      largest(terms, SELECTED_K).forEach(j => lines.push([id, firstId[layer + 1] + j, terms[j]]));
    }
    return lines;
  }

  function largest(terms, count) {  // indices of the `count` largest |terms|, zeros left out
    return terms.map((_, i) => i).filter(i => terms[i] !== 0)
      .sort((i, j) => Math.abs(terms[j]) - Math.abs(terms[i]) || i - j).slice(0, count);
  }

  // ---- zoom and pan (vis-network's, once it has taken over): bounded, with keys ----------------------

  let fitScale = 1;  // the fitted view's scale: zoom is bounded relative to it
  function fittedView() {  // the whole network in view, with the layer labels and the output probabilities
    const box = {left: Math.min(...X) - 20, right: Math.max(...X) + 130,
                 top: Math.min(...Y) - 60, bottom: Math.max(...Y) + 20};
    fitScale = 0.96 * Math.min(graphBox.clientWidth / (box.right - box.left),
                               graphBox.clientHeight / (box.bottom - box.top));
    return {position: {x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2}, scale: fitScale};
  }
  function fit() { network.moveTo(fittedView()); }
  function zoomBy(factor) {
    network.moveTo({scale: clampScale(network.getScale() * factor), position: network.getViewPosition()});
  }
  function clampScale(scale) { return Math.min(Math.max(scale, fitScale * 0.5), fitScale * 12); }
  function keepZoomInBounds() {
    const scale = network.getScale();
    if (scale !== clampScale(scale)) network.moveTo({scale: clampScale(scale)});
  }
  function panBy(dx, dy) {  // in screen pixels
    const centre = network.getViewPosition(), scale = network.getScale();
    network.moveTo({position: {x: centre.x + dx / scale, y: centre.y + dy / scale}});
  }
  const graphKeys = {"+": () => zoomBy(1.25), "=": () => zoomBy(1.25), "-": () => zoomBy(0.8), "−": () => zoomBy(0.8),
                     "0": fit, "f": fit, "F": fit, ArrowLeft: () => panBy(-80, 0), ArrowRight: () => panBy(80, 0),
                     ArrowUp: () => panBy(0, -80), ArrowDown: () => panBy(0, 80), Escape: () => select(null)};
  const keys = {Backspace: undo, Delete: clear};  // the graph's keys join once vis-network has taken over
  document.addEventListener("keydown", event => {
    if (event.ctrlKey || event.metaKey || event.altKey || !(event.key in keys)) return;
    event.preventDefault();
    keys[event.key]();
  });

  // ---- the pad --------------------------------------------------------------------------------------

  const pad = document.getElementById("pad"), padContext = pad.getContext("2d");
  pad.width = pad.height = pen.padSize;
  const status = document.getElementById("status");

  function paintPad() {
    padContext.fillStyle = "#000";
    padContext.fillRect(0, 0, pad.width, pad.height);
    if (state.image) {  // a picked MNIST digit, blown up
      padContext.imageSmoothingEnabled = false;
      padContext.drawImage(imageCanvas(state.image), 0, 0, pad.width, pad.height);
      return;
    }
    padContext.strokeStyle = "#fff";
    padContext.fillStyle = "#fff";
    padContext.lineWidth = PAD_PEN_WIDTH;
    padContext.lineCap = padContext.lineJoin = "round";
    for (const stroke of state.strokes) paintStroke(stroke, 0);
  }

  function paintStroke(stroke, from) {  // from point `from` on; a one-point stroke is a dot
    if (stroke.length === 1) {
      padContext.beginPath();
      padContext.arc(stroke[0][0], stroke[0][1], PAD_PEN_WIDTH / 2, 0, 2 * Math.PI);
      padContext.fill();
      return;
    }
    padContext.beginPath();
    padContext.moveTo(...stroke[Math.max(from - 1, 0)]);
    for (let i = Math.max(from, 1); i < stroke.length; i++) padContext.lineTo(...stroke[i]);
    padContext.stroke();
  }

  function imageCanvas(image) {  // a 28 × 28 canvas of a Float32Array(784) in [0, 1], white on black
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = SIDE;
    const context = canvas.getContext("2d"), pixels = context.createImageData(SIDE, SIDE);
    image.forEach((value, i) => {
      pixels.data.fill(Math.round(255 * value), 4 * i, 4 * i + 3);
      pixels.data[4 * i + 3] = 255;
    });
    context.putImageData(pixels, 0, 0);
    return canvas;
  }

  function padPoint(event) {  // pointer -> pad pixels (the pad is shown smaller than its pixel size)
    const box = pad.getBoundingClientRect();
    return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
  }

  let drawing = false;
  pad.addEventListener("pointerdown", event => {
    if (event.button !== 0) return;
    pad.setPointerCapture(event.pointerId);
    drawing = true;
    if (state.image) { state.image = null; state.strokes = []; paintPad(); }
    state.strokes.push([padPoint(event)]);
    paintStroke(state.strokes[state.strokes.length - 1], 0);
    relightSoon();
  });
  pad.addEventListener("pointermove", event => {
    if (!drawing) return;
    const stroke = state.strokes[state.strokes.length - 1];
    stroke.push(padPoint(event));
    paintStroke(stroke, stroke.length - 1);
    relightSoon();
  });
  const stopDrawing = () => { drawing = false; };
  pad.addEventListener("pointerup", stopDrawing);
  pad.addEventListener("pointercancel", stopDrawing);

  function setDrawing(strokes, image, name) {
    state.strokes = strokes;
    state.image = image;
    state.imageName = name;
    paintPad();
    relight();
  }
  function undo() { if (state.image) clear(); else setDrawing(state.strokes.slice(0, -1), null, null); }
  function clear() { setDrawing([], null, null); }
  document.getElementById("undo").onclick = undo;
  document.getElementById("clear").onclick = clear;

  // ---- the picker: MNIST test digits to start from ------------------------------------------------

  const picker = document.getElementById("picker"), pickerTitle = document.getElementById("picker-title");
  function fillPicker() {
    const images = floats(data.examples.images);
    data.examples.labels.forEach((label, n) => {
      const image = images.slice(n * SIDE * SIDE, (n + 1) * SIDE * SIDE), thumbnail = imageCanvas(image);
      thumbnail.title = `MNIST test digit, a ${label}`;
      thumbnail.onclick = () => setDrawing([], image, thumbnail.title);
      picker.appendChild(thumbnail);
    });
  }
  if (data.examples) {
    pickerTitle.textContent = "or start from an MNIST test digit:";
  } else {
    picker.hidden = true;
    pickerTitle.textContent = `No MNIST digits to pick from: ${data.examplesMissing}.`;
  }

  // ---- the answer: what the network sees and says ---------------------------------------------------

  const seen = document.getElementById("seen").getContext("2d"), bars = document.getElementById("bars");
  const barRows = Array.from({length: sizes[nLayers - 1]}, (_, digit) => {
    const row = document.createElement("div");
    row.className = "bar";
    row.innerHTML = `<span>${digit}</span><i></i><b></b>`;
    bars.appendChild(row);
    return row;
  });

  function showAnswer() {
    const answer = prediction();
    seen.clearRect(0, 0, SIDE, SIDE);
    if (state.result) seen.drawImage(imageCanvas(state.result.values[0]), 0, 0);
    barRows.forEach((row, digit) => {
      const p = answer ? answer.probabilities[digit] : 0;
      row.classList.toggle("top", !!answer && digit === answer.digit);
      row.querySelector("i").style.width = `${(90 * p).toFixed(1)}px`;
      row.querySelector("b").textContent = answer ? `${(100 * p).toFixed(1)} %` : "";
    });
    const drawn = state.strokes.length > 0 || state.image;
    status.textContent = answer ? `${state.imageName ? state.imageName + ": " : ""}the network says ${answer.digit}`
      : drawn ? "too small to read: draw bigger" : "draw a digit";
    showLegend();
  }

  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+$)/g, ","); }  // 109184 -> "109,184"

  function showLegend() {
    const count = state.edges.reduce((sum, {sources}) => sum + sources.filter(source => source >= 0).length, 0);
    const total = layers.reduce((sum, layer) => sum + layer.nIn * layer.nOut, 0);
    const chosen = state.result ? "the largest |a·w|, activation × weight: what this input sends"
      : "the largest |w|, as nothing is drawn";
    const gradient = colours.activation.filter((_, i) => i % 8 === 0).join(", ");
    document.getElementById("legend-text").innerHTML =
      `<b>${sizes.join(" → ")}</b>` +
      `${data.testAccuracy ? `, ${(100 * data.testAccuracy).toFixed(2)} % right on MNIST's test set` : ""}.<br>` +
      `Neuron colour = activation: 0 <span style="display:inline-block;width:70px;height:9px;` +
      `background:linear-gradient(to right, ${gradient})"></span> the layer's largest (outputs: probability).<br>` +
      `Lines: ${thousands(count)} of the ${thousands(total)} connections, into each neuron its ` +
      `${K} with ${chosen}; <span style="color:${colours.positive}">blue</span> excites, ` +
      `<span style="color:${colours.negative}">red</span> inhibits, thicker carries more.<br>` +
      `<span class="hint">Click a neuron for its numbers. Wheel or +/− zoom, drag or arrows pan, 0 fits.</span>`;
  }

  // ---- a clicked neuron's panel ---------------------------------------------------------------------

  const panel = document.getElementById("neuron");
  const slack = () => 4 / network.getScale();  // a dot is easy to hit at any zoom: 4 screen pixels around it
  function showPointer(event) {  // the pointer says where a click would open a neuron
    const box = graphBox.getBoundingClientRect();
    const over = neuronAt(network.DOMtoCanvas({x: event.clientX - box.left, y: event.clientY - box.top}), slack());
    graphBox.style.cursor = over === null ? "" : "pointer";
  }

  function select(id) {  // the graph makes room for the panel, and refits unless you had zoomed or panned
    const wasFitted = Math.abs(network.getScale() - fitScale) < 1e-9 * fitScale;
    state.selected = id;
    if (id === null) panel.classList.remove("open"); else showNeuron(id);
    document.body.classList.toggle("neuron-open", id !== null);
    pictures.selection = id === null ? null : selectionPicture(id);
    network.redraw();  // vis-network takes the new size of the graph's box here
    if (wasFitted) fit();
  }

  const format = value => (value >= 0 ? "+" : "−") + Math.abs(value).toFixed(3);
  function unitName(layer, index) {
    return layer === 0 ? `pixel (${Math.floor(index / SIDE)}, ${index % SIDE})` : `${data.layerNames[layer]} #${index}`;
  }

  function showNeuron(id) {
    const layer = layerOf(id), index = id - firstId[layer], result = state.result;
    let html = `<button id="close" title="close (Esc)">×</button><h2>${unitName(layer, index)}` +
      `${layer === nLayers - 1 ? `: the digit ${index}` : ""}</h2>`;
    if (layer === 0) {
      html += `<p>An input: the brightness of one pixel of the 28 × 28 image` +
        `${result ? `, now <b>${result.values[0][index].toFixed(3)}</b>` : ""}. ` +
        `It has no weights of its own; it feeds all ${sizes[1]} neurons of ${data.layerNames[1]}.</p>`;
    } else {
      html += result ? sumTable(layer, index) : `<p class="hint">Draw a digit to see this neuron's numbers.</p>`;
      html += weightMaps(layer, index);
    }
    panel.innerHTML = html;
    panel.classList.add("open");
    document.getElementById("close").onclick = () => select(null);
    if (layer > 0) paintWeightMaps(layer, index);
  }

  function sumTable(layer, index) {  // z = Σ a·w + b with its largest terms, then ReLU or softmax
    const {W, nIn, nOut, b} = layers[layer - 1], a = state.result.values[layer - 1];
    const terms = Array.from({length: nIn}, (_, i) => a[i] * W[i * nOut + index]);
    const shown = largest(terms, 6), z = state.result.sums[layer][index];
    const rest = terms.reduce((sum, term) => sum + term, 0) - shown.reduce((sum, i) => sum + terms[i], 0);
    let rows = shown.map(i => `<tr><td>${unitName(layer - 1, i)}</td>` +
      `<td>${a[i].toFixed(3)} × ${format(W[i * nOut + index])}</td><td>${format(terms[i])}</td></tr>`).join("");
    const others = nIn - shown.length, silent = terms.filter(term => term === 0).length;
    rows += `<tr><td colspan="2">the other ${others} terms (${silent} of them 0: silent inputs)</td>` +
      `<td>${format(rest)}</td></tr>` +
      `<tr><td colspan="2">bias b</td><td>${format(b[index])}</td></tr>` +
      `<tr class="total"><td colspan="2">z = Σ a·w + b</td><td>${format(z)}</td></tr>`;
    let after;
    if (layer === nLayers - 1) {
      const sums = state.result.sums[layer], top = Math.max(...sums);
      const denominator = sums.reduce((sum, value) => sum + Math.exp(value - top), 0);
      after = `<p>softmax: p = e<sup>z − max z</sup> ÷ Σ<sub>k</sub> e<sup>z<sub>k</sub> − max z</sup> = ` +
        `e<sup>${(z - top).toFixed(3)}</sup> ÷ ${denominator.toFixed(3)} = ` +
        `<b>${(100 * state.result.values[layer][index]).toFixed(2)} %</b></p>`;
    } else {
      const value = state.result.values[layer][index];
      after = `<p>ReLU: a = max(0, z) = <b>${value.toFixed(3)}</b>${value === 0 ? ": silent, so it sends nothing on" : ""}</p>`;
    }
    return `<table>${rows}</table>${after}`;
  }

  function weightMaps(layer, index) {
    const over = layer === 1 ? "the pixels"
      : `the ${sizes[layer - 1]} units of ${data.layerNames[layer - 1]}, laid out as in the graph`;
    return `<p class="hint">Its incoming weights over ${over}: <span style="color:${colours.positive}">blue</span> ` +
      `excites, <span style="color:${colours.negative}">red</span> inhibits, brighter is stronger.</p>` +
      `<div class="maps"><figure><canvas id="map-w"></canvas><figcaption>what it looks for: w</figcaption></figure>` +
      `<figure><canvas id="map-aw"></canvas><figcaption>what this input sends it: a·w</figcaption></figure></div>`;
  }

  /* Two pictures of the neuron's incoming connections in the previous layer's block: w, and a·w. */
  function paintWeightMaps(layer, index) {
    const {W, nIn, nOut} = layers[layer - 1], [rows, columns] = data.blockShapes[layer - 1];
    const a = state.result && state.result.values[layer - 1];
    const w = Array.from({length: nIn}, (_, i) => W[i * nOut + index]);
    const maps = [["map-w", w], ["map-aw", a ? w.map((value, i) => value * a[i]) : null]];
    const cell = Math.max(1, Math.floor(150 / Math.max(rows, columns)));
    for (const [name, values] of maps) {
      const canvas = document.getElementById(name);
      if (!values) { canvas.parentElement.hidden = true; continue; }
      canvas.width = columns; canvas.height = rows;
      canvas.style.width = `${columns * cell}px`; canvas.style.height = `${rows * cell}px`;
      const context = canvas.getContext("2d"), pixels = context.createImageData(columns, rows);
      const top = Math.max(1e-12, ...values.map(Math.abs));
      values.forEach((value, i) => {  // blue for positive, red for negative, brighter = larger
        const t = Math.abs(value) / top, rgb = value > 0 ? [86, 156, 214] : [224, 108, 117];
        pixels.data.set([...rgb.map(c => Math.round(c * t)), 255], 4 * i);
      });
      context.putImageData(pixels, 0, 0);
    }
  }

  // ---- for tests and scripts ---------------------------------------------------------------------

  function prediction() {
    if (!state.result) return null;
    const probabilities = Array.from(state.result.values[nLayers - 1]);
    return {digit: probabilities.indexOf(Math.max(...probabilities)), probabilities};
  }

  window.neuroscribble = {
    padSize: pen.padSize,  // the pad is padSize × padSize pixels, x to the right, y down
    draw(strokes) { setDrawing(strokes.map(stroke => stroke.map(([x, y]) => [x, y])), null, null); return prediction(); },
    prediction,
    position(id) { return {x: X[id], y: Y[id]}; },  // neurons are numbered layer after layer, from 0
    activations(layer) { return state.result && Array.from(state.result.values[layer]); },  // layer 0 = the input
    clear,
  };

  // ---- vis-network takes over the graph -------------------------------------------------------------

  /* Run vis-network's code (kept as text in #vis-network-source) and hand it the graph: the same view
   * (fit), painted by the same code. vis-network's constructor empties the graph's box, the page's own
   * canvas with it, and the picture is repainted in the same task, so the next frame shows it where it
   * was. Then the graph's clicks, keys and buttons work. */
  function handOver() {
    const code = document.createElement("script");
    code.textContent = document.getElementById("vis-network-source").textContent;
    document.head.appendChild(code);  // an inline script runs as it is inserted
    network = new vis.Network(graphBox, {nodes: [], edges: []},
                              JSON.parse(document.getElementById("neuroscribble-options").textContent));
    network.on("beforeDrawing", paintUnder);
    network.on("afterDrawing", paintOver);
    network.on("zoom", keepZoomInBounds);
    network.on("click", params => select(neuronAt(params.pointer.canvas, slack())));
    graphBox.addEventListener("mousemove", showPointer);
    Object.assign(keys, graphKeys);
    document.getElementById("zoom-in").onclick = () => zoomBy(1.25);
    document.getElementById("zoom-out").onclick = () => zoomBy(0.8);
    document.getElementById("fit").onclick = fit;
    fit();
    network.redraw();
    afterNextPaint(() => { document.body.dataset.handedOverAt = performance.now().toFixed(1); });
  }

  // ---- start: strokes from the address (draw.py's V key), a given image, or nothing ------------------

  const fromAddress = /^#strokes=(.*)$/.exec(location.hash);
  let strokes = [];
  if (fromAddress) {
    try {
      strokes = JSON.parse(decodeURIComponent(fromAddress[1]));
      if (!Array.isArray(strokes) || !strokes.every(stroke => Array.isArray(stroke) &&
          stroke.every(point => Array.isArray(point) && point.length === 2 && point.every(Number.isFinite)))) throw 0;
    } catch (_) {
      strokes = [];
    }
  }
  if (data.start && !strokes.length) setDrawing([], floats(data.start.image), data.start.name);
  else setDrawing(strokes, null, null);  // the first frame, on the page's own canvas

  /* Once that frame is painted, each in a task of its own: mark it (drawnAt, for tests and the
   * benchmark), bring in vis-network, make the picker's thumbnails. */
  afterNextPaint(() => { document.body.dataset.drawnAt = performance.now().toFixed(1); });
  afterNextPaint(handOver);
  if (data.examples) afterNextPaint(fillPicker);
})();
